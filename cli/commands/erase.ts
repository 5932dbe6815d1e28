import { userInfo } from 'node:os';
import { sql } from 'kysely';
import { stringFlag, UsageError, type Command } from '../command';
import { connectClient } from '../../temporal/connection';
import { loadEnv } from '../../config/config';
import { createDb, createPool } from '../../db/pool';
import { pseudonym } from '../../masking/pseudonym';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import { eraseSubject } from '../../workflows/erase';
import { requireWorker } from '../worker-check';
import { watchStalls } from '../ingest-progress';

// `govflow erase --subject <id>`: records the request in Postgres (the only place the raw id is
// written), then starts the eraseSubject workflow with the request's id, so Temporal never sees
// who is being forgotten, and waits for the receipt.

export const eraseCommand: Command = {
  name: 'erase',
  usage: 'erase --subject ID [--by NAME] [--json]',
  summary: "erase one person: shred their key, delete their raw rows, keep pseudonymous aggregates, write a receipt",
  options: {
    subject: { type: 'string', arg: 'ID', description: "the person's identifier, as the sources name them (required)" },
    by: { type: 'string', arg: 'NAME', description: 'who requests the erasure (kept in the receipt)', default: 'the login name' },
    json: { type: 'boolean', description: 'print the receipt as JSON' },
  },
  usesDatabase: true,
  async run(ctx) {
    const subject = stringFlag(ctx, 'subject');
    if (!subject || !subject.trim()) throw new UsageError('erase needs the person: govflow erase --subject <id>');
    const env = loadEnv();
    const subjectRef = pseudonym(subject, env.pseudonymKey);
    // No worker, no erasure: say so before recording a request nobody would carry out.
    const { client, connection } = await connectClient();
    try {
      await requireWorker(client, env.taskQueue);
    } catch (err) {
      await connection.close();
      throw err;
    }
    const db = createDb(createPool(env.databaseUrl, 2));
    let requestId: number;
    try {
      // An open request for the same person is reused, so repeating the command is harmless.
      const { rows } = await sql<{ id: number }>`
        with open as (select id from govflow.subject_erasures where subject_ref = ${subjectRef} and status = 'pending' and purpose is null order by id limit 1),
        created as (
          insert into govflow.subject_erasures (subject_ref, subject_id, requested_by)
          select ${subjectRef}, ${subject}, ${stringFlag(ctx, 'by') ?? userInfo().username}
          where not exists (select 1 from open) returning id)
        select id from open union all select id from created`.execute(db);
      requestId = Number(rows[0]!.id);
    } catch (err) {
      await connection.close();
      throw err;
    } finally {
      await db.destroy();
    }

    try {
      const workflowId = `erase-request-${requestId}`;
      if (ctx.flags.json !== true) ctx.err(`erasure request ${requestId} for ${subjectRef}: starting ${workflowId}`);
      const handle = await client.workflow
        .start(eraseSubject, { taskQueue: env.taskQueue, workflowId, args: [{ requestId }] })
        .catch((err: Error) => {
          if (err instanceof WorkflowExecutionAlreadyStartedError) return client.workflow.getHandle<typeof eraseSubject>(workflowId);
          throw err;
        });
      // A worker that dies mid-erasure must not leave the command waiting without a word.
      const stopWatching = watchStalls(handle, ctx.err);
      const result = await handle.result().finally(stopWatching);
      const noData = result.outcome === 'no_data_held';
      if (ctx.flags.json === true) ctx.out(JSON.stringify({ workflowId, ...result }, null, 2));
      else if (noData) {
        // Exit 1 below: a request for an id govflow never saw is most often a mistyped id.
        ctx.err(`no data held for this id (${result.subjectRef}): nothing was erased; check the id (request ${result.requestId})`);
        ctx.err('  receipt in govflow.erasure_receipts (outcome no_data_held)');
      } else {
        ctx.out(`erased ${result.subjectRef} (request ${result.requestId}${result.alreadyCompleted ? ', already completed' : ''})`);
        ctx.out(`  data key shredded   ${result.keyShredded ? 'yes' : 'no key held'}`);
        for (const [table, n] of Object.entries(result.deleted)) ctx.out(`  ${table.padEnd(19)} ${n} row${n === 1 ? '' : 's'} deleted`);
        ctx.out('  kept: pseudonymous aggregates (masked tables, findings, violations); receipt in govflow.erasure_receipts');
      }
      return noData ? 1 : 0;
    } finally {
      await connection.close();
    }
  },
};
