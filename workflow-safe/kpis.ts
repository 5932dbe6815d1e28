import type { TaskStatus } from './dag';

/** The run's headline figures, gathered from the counts each task returned. */
export interface GovernanceKpis {
  eventsIngested: number;
  eventsInWindow: number;
  recordsRejected: number;
  findings: { total: number; byRule: Record<string, number> };
  /** Findings grouped by rule, what it is about and time bucket (audit/incidents.ts); consent violations' incidents included. */
  incidents: { total: number; byRule: Record<string, number> };
  consentViolations: number;
  /** Accesses whose consent the signals' timestamps cannot settle (consent_time_uncertain): not violations. */
  consentTimeUncertain: number;
  maskedEvents: number;
  alertsRaised: number;
}

export function governanceKpis(tasks: Record<string, TaskStatus>): GovernanceKpis {
  const c = (task: string, key: string) => tasks[task]?.counts?.[key] ?? 0;
  return {
    eventsIngested: c('ingest', 'recordsRead'),
    eventsInWindow: c('ingest', 'eventsInWindow'),
    recordsRejected: c('ingest', 'recordsRejected'),
    findings: { total: c('audit', 'findings'), byRule: tasks.audit?.breakdown?.findingsByRule ?? {} },
    incidents: {
      total: c('audit', 'incidents') + c('consent', 'consentIncidents'),
      byRule: {
        ...(tasks.audit?.breakdown?.incidentsByRule ?? {}),
        ...(c('consent', 'consentIncidents') > 0 ? { consent_violation: c('consent', 'consentIncidents') } : {}),
      },
    },
    consentViolations: c('consent', 'consentViolations'),
    consentTimeUncertain: c('consent', 'consentTimeUncertain'),
    maskedEvents: c('mask', 'maskedEvents'),
    alertsRaised: c('alert', 'alertsRaised'),
  };
}
