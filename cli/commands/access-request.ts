import { userInfo } from 'node:os';
import { resolve } from 'node:path';
import { sql } from 'kysely';
import { stringFlag, UsageError, type Command } from '../command';
import { connectClient } from '../../temporal/connection';
import { loadEnv } from '../../config/config';
import { createDb, createPool } from '../../db/pool';
import { pseudonym } from '../../masking/pseudonym';
import type { AccessRequestResult } from '../../activities/access-request';
import { requireWorker } from '../worker-check';
import { watchStalls } from '../ingest-progress';

// `govflow access-request --subject <id> [--out DIR]`: right of access (GDPR Art. 15). Records the
// request in Postgres (the only place the raw id is written, cleared once the export is made),
// starts the accessRequest workflow with the request's id and waits for the export's path.

export const accessRequestCommand: Command = {
  name: 'access-request',
  usage: 'access-request --subject ID [--out DIR] [--by NAME] [--json]',
  summary: 'export everything held about one person (raw events, consent history, vault values, findings) as a zip of JSON and CSV with a manifest',
  options: {
    subject: { type: 'string', arg: 'ID', description: "the person's identifier, as the sources name them (required)" },
    out: { type: 'string', arg: 'DIR', description: "the folder to deliver <request id>.zip to", default: "govflow.yaml's dataSubjectRequests.accessExportDir (data/access-requests)" },
    by: { type: 'string', arg: 'NAME', description: 'who asks (kept with the request)', default: 'the login name' },
    json: { type: 'boolean', description: 'print the result as JSON' },
  },
  usesDatabase: true,
  async run(ctx) {
    const subject = stringFlag(ctx, 'subject');
    if (!subject || !subject.trim()) throw new UsageError('access-request needs the person: govflow access-request --subject <id>');
    const out = stringFlag(ctx, 'out');
    const env = loadEnv();
    const subjectRef = pseudonym(subject, env.pseudonymKey);
    const { client, connection } = await connectClient();
    try {
      await requireWorker(client, env.taskQueue);
      const db = createDb(createPool(env.databaseUrl, 2));
      let requestId: number;
      try {
        const { rows } = await sql<{ id: string }>`
          insert into govflow.access_requests (subject_ref, subject_id, requested_by, export_dir)
          values (${subjectRef}, ${subject}, ${stringFlag(ctx, 'by') ?? userInfo().username}, ${out ? resolve(out) : null})
          returning id`.execute(db);
        requestId = Number(rows[0]!.id);
      } finally {
        await db.destroy();
      }
      const workflowId = `access-request-${requestId}`;
      if (ctx.flags.json !== true) ctx.err(`access request ${requestId} for ${subjectRef}: starting ${workflowId}`);
      const handle = await client.workflow.start('accessRequest', { taskQueue: env.taskQueue, workflowId, args: [{ requestId }] });
      const stopWatching = watchStalls(handle, ctx.err);
      const result = (await handle.result().finally(stopWatching)) as AccessRequestResult;
      if (ctx.flags.json === true) {
        ctx.out(JSON.stringify({ workflowId, ...result }, null, 2));
        return 0;
      }
      ctx.out(`export for ${result.subjectRef} (request ${result.requestId}): ${result.path}`);
      ctx.out(`  sha256 ${result.sha256}`);
      for (const [table, n] of Object.entries(result.rows)) ctx.out(`  ${table.padEnd(20)} ${n} row${n === 1 ? '' : 's'}`);
      ctx.out('  manifest.json inside lists every file with its SHA-256; the disclosure is logged in govflow.pii_access_log');
      return 0;
    } finally {
      await connection.close();
    }
  },
};
