import type { SearchAttributeKey, SearchAttributeType } from '@temporalio/common/lib/search-attributes';

// The search attributes that make runs findable in the Temporal UI and with
// `govflow runs --query`. Pure: the workflow upserts them, the dev server registers them, the
// CLI queries them. How a run ended is Temporal's own ExecutionStatus, not a key of ours. Keys are plain {name, type} objects (what defineSearchAttributeKey returns),
// so workflow code needs nothing but this file.

const key = <T extends SearchAttributeType>(name: string, type: T): SearchAttributeKey<T> => ({ name, type });

export const WINDOW_START = key('GovflowWindowStart', 'DATETIME');
export const TRIGGER = key('GovflowTrigger', 'KEYWORD');
export const VIOLATIONS = key('GovflowViolations', 'INT');

/** Set by Temporal on every run a schedule starts: the schedule's nominal action time. */
export const SCHEDULED_START_TIME = key('TemporalScheduledStartTime', 'DATETIME');

export const GOVFLOW_SEARCH_ATTRIBUTES = [WINDOW_START, TRIGGER, VIOLATIONS] as const;

/** The CLI's spelling of each type, for `temporal server start-dev --search-attribute NAME=TYPE`. */
const CLI_TYPE: Record<SearchAttributeType, string> = {
  TEXT: 'Text', KEYWORD: 'Keyword', INT: 'Int', DOUBLE: 'Double', BOOL: 'Bool', DATETIME: 'Datetime', KEYWORD_LIST: 'KeywordList',
};

/** {name: type} for DevServerOptions.searchAttributes. */
export function devServerSearchAttributes(): Record<string, string> {
  return Object.fromEntries(GOVFLOW_SEARCH_ATTRIBUTES.map((k) => [k.name, CLI_TYPE[k.type]]));
}
