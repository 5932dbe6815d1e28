import { sql } from 'kysely';
import { UsageError, type Command, type CommandContext } from '../command';
import { connectClient } from '../../temporal/connection';
import { dsrScheduleId, ensureDsrSchedule } from '../../temporal/dsr-schedule';
import { loadConfig, loadEnv, type Env } from '../../config/config';
import { createDb, createPool } from '../../db/pool';
import type { DataSubjectRequestsResult } from '../../workflows/data-subject-requests';
import { requireWorker } from '../worker-check';

// `govflow dsr status|run|schedule`: data-subject requests (erasures and access requests), their
// state, due date (requested + the policy's SLA) and receipt; a pass over the erasure queue now;
// the schedule that makes passes hourly (the worker creates it too). People are named by their
// pseudonym only.

const ACTIONS = ['status', 'run', 'schedule'] as const;

export interface DsrStatusRow {
  kind: 'erasure' | 'access';
  /** subject_erasures / access_requests id; null for a consent withdrawal not yet taken from the queue. */
  id: number | null;
  origin: string;
  purpose: string | null;
  subjectRef: string;
  requestedAt: string;
  dueAt: string;
  /** queued (not yet picked up), pending, completed. */
  status: string;
  completedAt: string | null;
  /** Completed after its due date, or still open past it. */
  overdue: boolean;
  receipt: Record<string, unknown> | null;
}

const iso = (d: Date | string | null) => (d === null ? null : new Date(d).toISOString());

async function statusRows(env: Env, erasureWithin: number, accessWithin: number): Promise<DsrStatusRow[]> {
  const db = createDb(createPool(env.databaseUrl, 2));
  try {
    const { rows } = await sql<Omit<DsrStatusRow, 'requestedAt' | 'dueAt' | 'completedAt'> & { requestedAt: Date; dueAt: Date; completedAt: Date | null }>`
      select 'erasure' as kind, null::bigint as id, 'consent' as origin, q.purpose, govflow.pseudonym(q.subject_id, ${env.pseudonymKey}) as "subjectRef",
        q.requested_at as "requestedAt", q.requested_at + make_interval(secs => ${erasureWithin}) as "dueAt", 'queued' as status,
        null::timestamptz as "completedAt", now() > q.requested_at + make_interval(secs => ${erasureWithin}) as overdue, null::jsonb as receipt
      from govflow.erasure_requests q where q.subject_erasure_id is null and q.status = 'pending'
      union all
      select 'erasure', e.id, e.origin, e.purpose, e.subject_ref, e.requested_at, coalesce(e.due_at, e.requested_at + make_interval(secs => ${erasureWithin})),
        e.status, e.completed_at, coalesce(e.completed_at, now()) > coalesce(e.due_at, e.requested_at + make_interval(secs => ${erasureWithin})),
        case when r.request_id is null then null else jsonb_build_object('outcome', r.outcome, 'keyShredded', r.key_shredded, 'deleted', r.deleted,
          'policyHash', r.policy_hash, 'workflowId', r.workflow_id) end
      from govflow.subject_erasures e left join govflow.erasure_receipts r on r.request_id = e.id
      union all
      select 'access', a.id, 'command', null, a.subject_ref, a.requested_at, coalesce(a.due_at, a.requested_at + make_interval(secs => ${accessWithin})),
        a.status, a.completed_at, coalesce(a.completed_at, now()) > coalesce(a.due_at, a.requested_at + make_interval(secs => ${accessWithin})),
        case when a.export_path is null then null else jsonb_build_object('path', a.export_path, 'sha256', a.export_sha256,
          'rows', (select jsonb_object_agg(t->>'name', (t->>'rows')::int) from jsonb_array_elements(a.manifest->'tables') t)) end
      from govflow.access_requests a
      order by "requestedAt", kind, id`.execute(db);
    return rows.map((r) => ({ ...r, id: r.id === null ? null : Number(r.id), requestedAt: iso(r.requestedAt)!, dueAt: iso(r.dueAt)!, completedAt: iso(r.completedAt) }));
  } finally {
    await db.destroy();
  }
}

function describe(r: DsrStatusRow): string {
  const what = r.kind === 'erasure' ? `erasure ${r.id ?? '(queued)'} ${r.origin}${r.purpose ? ` purpose ${r.purpose}` : ' whole person'}` : `access ${r.id}`;
  const when = r.completedAt ? `completed ${r.completedAt}` : r.status;
  const late = r.overdue ? ' OVERDUE' : '';
  let receipt = '';
  if (r.receipt && r.kind === 'erasure') {
    const deleted = Object.entries((r.receipt.deleted ?? {}) as Record<string, number>).filter(([, n]) => n > 0).map(([t, n]) => `${t} ${n}`).join(', ');
    receipt = `; ${String(r.receipt.outcome)}${r.receipt.keyShredded ? ', key shredded' : ''}${deleted ? `: ${deleted}` : ''}`;
  } else if (r.receipt) receipt = `; export ${String(r.receipt.path)}`;
  return `${what} ${r.subjectRef}: requested ${r.requestedAt}, due ${r.dueAt}, ${when}${late}${receipt}`;
}

async function status(ctx: CommandContext, env: Env): Promise<number> {
  const dsr = loadConfig().policy.policy.dataSubjectRequests;
  const rows = await statusRows(env, dsr.erasureWithin, dsr.accessWithin);
  if (ctx.flags.json === true) ctx.out(JSON.stringify(rows, null, 2));
  else if (rows.length === 0) ctx.out('no data-subject requests');
  else for (const r of rows) ctx.out(describe(r));
  return 0;
}

async function runNow(ctx: CommandContext, env: Env): Promise<number> {
  const { client, connection } = await connectClient();
  try {
    await requireWorker(client, env.taskQueue);
    const workflowId = `data-subject-requests-now-${new Date().toISOString()}`;
    if (ctx.flags.json !== true) ctx.err(`starting ${workflowId}`);
    const r = (await client.workflow.execute('dataSubjectRequests', { taskQueue: env.taskQueue, workflowId, args: [] })) as DataSubjectRequestsResult;
    if (ctx.flags.json === true) ctx.out(JSON.stringify({ workflowId, ...r }, null, 2));
    else {
      ctx.out(`${r.claimed} consent withdrawal(s) taken from the queue; ${r.completed.length} erasure(s) completed, ${r.alreadyRunning.length} already running, ${r.failed.length} failed; ${r.overdue} overdue when the pass began`);
      ctx.out('  receipts: govflow dsr status');
    }
    return r.failed.length ? 1 : 0;
  } finally {
    await connection.close();
  }
}

async function schedule(ctx: CommandContext, env: Env): Promise<number> {
  const { client, connection } = await connectClient();
  try {
    const created = await ensureDsrSchedule(client, env.taskQueue);
    ctx.out(`schedule ${dsrScheduleId(env.taskQueue)}: dataSubjectRequests hourly${created ? ' (created)' : ' (already there)'}`);
    return 0;
  } finally {
    await connection.close();
  }
}

export const dsrCommand: Command = {
  name: 'dsr',
  usage: 'dsr status [--json] | run [--json] | schedule',
  summary: 'data-subject requests (erasure, access): state, due date and receipt; carry out pending erasures now; ensure the hourly schedule',
  details: [
    'status    every request: kind, origin, purpose, pseudonym, requested, due (requested + dataSubjectRequests.*Within), state, OVERDUE, receipt',
    'run       one pass now over the erasure queue (the schedule does this hourly without anyone asking)',
    'schedule  create the hourly schedule if missing (govflow worker and npm start do this themselves)',
  ],
  options: {
    json: { type: 'boolean', description: 'status, run: print JSON' },
  },
  usesDatabase: true,
  async run(ctx) {
    const action = ctx.args[0];
    if (!action || !(ACTIONS as readonly string[]).includes(action)) {
      throw new UsageError(`dsr needs an action: ${ACTIONS.join(', ')} (e.g. govflow dsr status)`);
    }
    const env = loadEnv();
    if (action === 'status') return status(ctx, env);
    if (action === 'run') return runNow(ctx, env);
    return schedule(ctx, env);
  },
};
