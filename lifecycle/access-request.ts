import { sql } from 'kysely';
import { ApplicationFailure, Context } from '@temporalio/activity';
import type { ActivityDeps } from '../config/deps';
import { classifyStepError } from '../temporal/step-errors';
import { gatherTables } from './access-request/tables';
import { vaultTable } from './access-request/vault';
import { writeAccessExport } from './access-request/export-zip';

// Right of access for one person, named by an access request's id (the CLI stored the raw id in
// govflow.access_requests; it never passes through Temporal). Gathers what govflow holds about
// the person (lifecycle/access-request/), writes the zip to the request's folder (--out) or the
// config's dataSubjectRequests.accessExportDir, logs the disclosure in pii_access_log (one row
// per vault value revealed, and one for the export itself, token "access-request:<id>") and
// completes the request, clearing its raw id, in one transaction. A completed request returns
// its stored result again.

export interface AccessRequestInput {
  requestId: number;
}

export interface AccessRequestResult {
  requestId: number;
  subjectRef: string;
  /** Where the zip was delivered (a path named by the request id, not by the person). */
  path: string;
  sha256: string;
  /** Rows exported per table. */
  rows: Record<string, number>;
  alreadyCompleted: boolean;
}

export const ACCESS_REASON = 'data subject access request (GDPR Art. 15)';

interface Stored {
  subject_ref: string;
  subject_id: string | null;
  status: string;
  export_dir: string | null;
  export_path: string | null;
  export_sha256: string | null;
  manifest: { tables: Array<{ name: string; rows: number }> } | null;
}

const rowsOf = (m: Stored['manifest']) => Object.fromEntries((m?.tables ?? []).map((t) => [t.name, t.rows]));

function storedResult(requestId: number, r: Stored): AccessRequestResult {
  return { requestId, subjectRef: r.subject_ref, path: r.export_path ?? '', sha256: r.export_sha256 ?? '', rows: rowsOf(r.manifest), alreadyCompleted: true };
}

/** A person's access request (activities/access-request.ts is its Temporal-facing shell). */
export function subjectDataExport({ db, pool, config, env }: ActivityDeps) {
  const read = async (requestId: number, lock = sql``) => {
    const { rows } = await sql<Stored>`
      select subject_ref, subject_id, status, export_dir, export_path, export_sha256, manifest
      from govflow.access_requests where id = ${requestId} ${lock}`.execute(db);
    return rows[0];
  };
  return {
    async exportSubjectData(input: AccessRequestInput): Promise<AccessRequestResult> {
      try {
        const request = await read(input.requestId);
        if (!request) throw ApplicationFailure.nonRetryable(`access request ${input.requestId} does not exist`, 'UnknownAccessRequest');
        if (request.status === 'completed' || request.subject_id === null) return storedResult(input.requestId, request);
        const tables = await gatherTables(pool, request.subject_id, request.subject_ref);
        const vault = await vaultTable(db, env.vaultKey, request.subject_ref);
        tables.push(vault);
        Context.current().heartbeat({ tables: tables.length });
        const out = await writeAccessExport(request.export_dir ?? config.accessExportDir, {
          requestId: input.requestId,
          subjectRef: request.subject_ref,
          generatedAt: new Date().toISOString(),
          policyHash: config.policy.hash,
        }, tables);
        return await db.transaction().execute(async (tx) => {
          const { rows } = await sql<Stored>`
            select subject_ref, subject_id, status, export_dir, export_path, export_sha256, manifest
            from govflow.access_requests where id = ${input.requestId} for update`.execute(tx);
          if (rows[0]!.status === 'completed') return storedResult(input.requestId, rows[0]!);
          const accessor = `access-request ${input.requestId}`;
          const log = [
            { token: `access-request:${input.requestId}`, outcome: 'granted' },
            ...vault.rows.map((r) => ({ token: String(r.token), outcome: String(r.state) })),
          ];
          await sql`
            insert into govflow.pii_access_log (token, subject_ref, accessor, reason, outcome)
            select token, ${request.subject_ref}, ${accessor}, ${ACCESS_REASON}, outcome
            from jsonb_to_recordset(${JSON.stringify(log)}::jsonb) as l(token text, outcome text)`.execute(tx);
          await sql`
            update govflow.access_requests set status = 'completed', completed_at = now(), subject_id = null,
              workflow_id = ${Context.current().info.workflowExecution?.workflowId ?? null},
              due_at = coalesce(due_at, requested_at + make_interval(secs => ${config.policy.policy.dataSubjectRequests.accessWithin})),
              export_path = ${out.path}, export_sha256 = ${out.sha256}, manifest = ${JSON.stringify(out.manifest)}::jsonb
            where id = ${input.requestId}`.execute(tx);
          return { requestId: input.requestId, subjectRef: request.subject_ref, path: out.path, sha256: out.sha256, rows: rowsOf(out.manifest), alreadyCompleted: false };
        });
      } catch (err) {
        if (err instanceof ApplicationFailure) throw err;
        return classifyStepError(err);
      }
    },
  };
}
