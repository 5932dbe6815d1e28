// Pure (the workflow imports it): the escalation workflow of an alert. One per alert, which is
// also what keeps it from being started twice.
export function escalationWorkflowId(alertId: number): string {
  return `alert-escalation-${alertId}`;
}
