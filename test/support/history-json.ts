import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import proto from '@temporalio/proto';
import { patchProtobufRoot } from '@temporalio/proto/lib/patch-protobuf-root';
import type { History } from '@temporalio/common/lib/proto-utils';

// Reads a history saved by `temporal workflow show --output json`. Not with the SDK's
// historyFromJSON: npm installs two copies of protobufjs 8 here (one under @temporalio/common, one
// under @temporalio/proto), and historyFromJSON hands a type from one copy to the JSON parser of
// the other, which rejects it ("type must be a Type"). The parser is taken from the copy that
// @temporalio/proto itself uses, whatever the install layout.

const requireFromProto = createRequire(createRequire(import.meta.url).resolve('@temporalio/proto'));
const { fromJson } = requireFromProto('protobufjs/ext/protojson') as { fromJson: (type: unknown, json: unknown, o: object) => unknown };
const historyType = (patchProtobufRoot(proto) as unknown as { lookupType(name: string): unknown }).lookupType('temporal.api.history.v1.History');

export function readHistoryJSON(file: string): History {
  const json = JSON.parse(readFileSync(file, 'utf8'));
  const history = fromJson(historyType, json, { ignoreUnknownFields: true });
  if (!history) throw new Error(`${file}: not a workflow history`);
  return history as History;
}
