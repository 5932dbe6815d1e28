// Pure (the workflow imports it): the escalation workflow of an alert. One per alert, named by
// the alert's uid (unique even when several databases share one Temporal namespace, as tests
// do), which is also what keeps it from being started twice.
export function escalationWorkflowId(alertUid: string): string {
  return `alert-escalation-${alertUid}`;
}
