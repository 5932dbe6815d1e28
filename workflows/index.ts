// Everything the worker's workflow bundle exports: each export is a workflow type.
export { governanceRun } from './governance';
export { alertEscalation } from './alert-escalation';
export { streamGovernance } from './stream';
export { eraseSubject } from './erase';
export { retentionRun } from './retention';
export { dataSubjectRequests } from './data-subject-requests';
export { accessRequest } from './access-request';
