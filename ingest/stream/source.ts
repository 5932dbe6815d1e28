// Which stream a streamGovernance workflow consumes. Travels in the workflow input, so it holds
// names and addresses only; credentials come from the worker's environment (AWS's usual chain).

export type StreamSource =
  | { kind: 'postgres'; stream?: string }
  | { kind: 'kinesis'; streamName: string; region?: string; endpoint?: string };

/** The consumer's name: the key of its checkpoints, and the `source` of the events it loads. */
export function streamSourceName(s: StreamSource): string {
  return s.kind === 'postgres' ? `stream:${s.stream ?? 'default'}` : `kinesis:${s.streamName}`;
}
