import type { ActivityDeps } from './deps';
import { reportMailer } from '../reporting/email/email-report';

// email: the Temporal-facing step. What is sent to whom, once (the stored compliance report with
// its attachments), is reporting/email/email-report.ts.
export function emailActivities(deps: ActivityDeps) {
  const { emailReport } = reportMailer(deps);
  return { emailReport };
}
