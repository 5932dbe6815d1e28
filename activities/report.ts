import { Context } from '@temporalio/activity';
import { sql } from 'kysely';
import type { ActivityDeps } from './deps';
import type { RunRef } from '../lib/run-ref';
import type { TaskResult } from '../lib/dag';
import { createRenderer } from '../lib/templates';
import { complianceKpis } from './report-kpis';

// report: render the window's compliance report (HTML and text twins) and store it. One report per
// (kind, window): a re-run of the window replaces it rather than adding a second.

export const COMPLIANCE_REPORT = 'compliance-report';

export function reportActivities({ db, config, env }: ActivityDeps) {
  const render = createRenderer();

  return {
    async report(run: RunRef): Promise<TaskResult> {
      const kpis = await complianceKpis(db, run);
      const namespace = Context.current().info.workflowNamespace ?? 'default';
      const data = {
        title: 'Compliance report',
        window: run.window,
        workflowId: run.workflowId,
        runUrl: `${env.temporalUiUrl}/namespaces/${encodeURIComponent(namespace)}/workflows/${encodeURIComponent(run.workflowId)}`,
        policyHash: config.policy.hash,
        generatedAt: new Date().toISOString(),
        kpis,
      };
      const html = render(`${COMPLIANCE_REPORT}.html`, data);
      const text = render(`${COMPLIANCE_REPORT}.txt`, data);
      await sql`
        insert into govflow.reports (kind, window_start, window_end, workflow_id, policy_hash, html, text, kpis)
        values (${COMPLIANCE_REPORT}, ${run.window.start}::timestamptz, ${run.window.end}::timestamptz, ${run.workflowId},
                ${config.policy.hash}, ${html}, ${text}, ${JSON.stringify(kpis)}::jsonb)
        on conflict (kind, window_start, window_end) do update
          set workflow_id = excluded.workflow_id, policy_hash = excluded.policy_hash, html = excluded.html,
              text = excluded.text, kpis = excluded.kpis, updated_at = now()`.execute(db);
      return { counts: { reports: 1, htmlBytes: Buffer.byteLength(html), textBytes: Buffer.byteLength(text) } };
    },
  };
}
