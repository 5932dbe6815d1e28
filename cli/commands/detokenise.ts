import { userInfo } from 'node:os';
import { stringFlag, UsageError, type Command } from '../command';
import { loadEnv } from '../../config/config';
import { createDb, createPool } from '../../db/pool';
import { detokenise } from '../../masking/vault/vault';

// `govflow detokenise <token> --reason TEXT`: the one way back from a token to its value, for a
// named person and a stated reason; every attempt lands in govflow.pii_access_log.

export const detokeniseCommand: Command = {
  name: 'detokenise',
  usage: 'detokenise TOKEN --reason TEXT [--by NAME]',
  summary: 'reveal the value behind a vault token (logged in pii_access_log)',
  options: {
    reason: { type: 'string', arg: 'TEXT', description: 'why the value is needed (required; logged)' },
    by: { type: 'string', arg: 'NAME', description: 'who asks (logged)', default: 'the login name' },
  },
  usesDatabase: true,
  async run(ctx) {
    const token = ctx.args[0];
    const reason = stringFlag(ctx, 'reason');
    if (!token || !reason) throw new UsageError('detokenise needs a token and a reason: govflow detokenise tok_… --reason "DSAR #123"');
    const env = loadEnv();
    const db = createDb(createPool(env.databaseUrl, 1));
    try {
      const r = await detokenise(db, env.vaultKey, token, stringFlag(ctx, 'by') ?? userInfo().username, reason);
      if (r.outcome === 'granted') {
        ctx.out(r.value);
        return 0;
      }
      ctx.err(r.outcome === 'shredded' ? `govflow: ${token} belonged to an erased person: its key is shredded` : `govflow: no such token ${token}`);
      return 1;
    } finally {
      await db.destroy();
    }
  },
};
