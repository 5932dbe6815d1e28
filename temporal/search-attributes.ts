import { Connection } from '@temporalio/client';
import { GOVFLOW_SEARCH_ATTRIBUTES } from '../workflow-safe/search-attributes';

// A Temporal that govflow did not start (an existing dev server, a cluster) may not know govflow's
// search attributes yet, and a workflow that upserts an unknown one fails its workflow task.
// Registering is idempotent: attributes already there are left alone.

const INDEXED_TYPE: Record<string, number> = { TEXT: 1, KEYWORD: 2, INT: 3, DOUBLE: 4, BOOL: 5, DATETIME: 6, KEYWORD_LIST: 7 };

export async function registerSearchAttributes(address: string, namespace: string, log: (line: string) => void): Promise<void> {
  const connection = await Connection.connect({ address });
  try {
    const { customAttributes } = await connection.operatorService.listSearchAttributes({ namespace });
    const missing = GOVFLOW_SEARCH_ATTRIBUTES.filter((k) => !customAttributes?.[k.name]);
    if (missing.length === 0) return;
    await connection.operatorService.addSearchAttributes({
      namespace,
      searchAttributes: Object.fromEntries(missing.map((k) => [k.name, INDEXED_TYPE[k.type]!])),
    });
    log(`govflow: registered search attributes ${missing.map((k) => k.name).join(', ')} in namespace ${namespace}`);
  } finally {
    await connection.close();
  }
}
