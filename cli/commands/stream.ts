import { readFileSync } from 'node:fs';
import { WorkflowExecutionAlreadyStartedError, type SignalDefinition } from '@temporalio/client';
import { intFlag, stringFlag, UsageError, type Command, type CommandContext } from '../command';
import { connectClient } from '../../temporal/connection';
import { withPath } from '../errors';
import { loadEnv } from '../../config/config';
import { createPool } from '../../db/pool';
import { appendToStream } from '../../ingest/stream/append';
import { streamSourceName, type StreamSource } from '../../ingest/stream/source';
import { pauseSignal, resumeSignal, stopSignal, streamGovernance, streamStatusQuery, type StreamInput } from '../../workflows/stream';
import { requireWorker } from '../worker-check';

// govflow stream start|status|pause|resume|stop|push: one streamGovernance workflow per stream,
// with an id derived from the stream, so starting it twice is harmless.

function sourceOf(ctx: CommandContext): StreamSource {
  const kinesis = stringFlag(ctx, 'kinesis-stream');
  if (kinesis) return { kind: 'kinesis', streamName: kinesis, region: stringFlag(ctx, 'region'), endpoint: stringFlag(ctx, 'endpoint') };
  return { kind: 'postgres', stream: stringFlag(ctx, 'stream') ?? 'default' };
}

export const streamWorkflowId = (s: StreamSource) => `stream-${streamSourceName(s).replace(/[^A-Za-z0-9_.-]/g, '-')}`;

const SIGNALS: Record<string, SignalDefinition> = { pause: pauseSignal, resume: resumeSignal, stop: stopSignal };

export const streamCommand: Command = {
  name: 'stream',
  usage: 'stream start|status|pause|resume|stop|push FILE [--stream NAME | --kinesis-stream NAME]',
  summary: 'continuous governance of a stream of access events',
  details: [
    'Actions:',
    '  start            start governing the stream (harmless when it already runs)',
    '  status           batches, events, rejected, alerts, lag',
    '  pause | resume   stop pulling batches for a while, and go on',
    '  stop             finish the current batch and end',
    "  push FILE        append FILE's events (one canonical JSON object per line) to govflow's stream table",
  ],
  options: {
    stream: { type: 'string', arg: 'NAME', description: "which of govflow's own streams (the govflow.stream_events table)", default: 'default' },
    'kinesis-stream': { type: 'string', arg: 'NAME', description: 'govern an AWS Kinesis stream instead' },
    region: { type: 'string', arg: 'REGION', description: "Kinesis: the AWS region", default: "AWS's usual environment" },
    endpoint: { type: 'string', arg: 'URL', description: 'Kinesis: another endpoint, e.g. a local kinesalite' },
    'batch-size': { type: 'string', arg: 'N', integer: { min: 1 }, description: 'start: most events per batch', default: '5000' },
    'max-wait-ms': { type: 'string', arg: 'MS', integer: { min: 1 }, description: 'start: longest wait for a batch to fill, in milliseconds', default: '500' },
    json: { type: 'boolean', description: 'status: print JSON' },
  },
  usesDatabase: true,
  async run(ctx) {
    const [action, file] = ctx.args;
    const source = sourceOf(ctx);
    const workflowId = streamWorkflowId(source);

    if (action === 'push') {
      if (!file) throw new UsageError('usage: govflow stream push FILE [--stream NAME] (FILE holds one JSON event per line)');
      if (source.kind !== 'postgres') throw new UsageError('push appends to govflow\'s own stream table; to feed Kinesis, use the AWS tools');
      let text: string;
      try {
        text = readFileSync(file, 'utf8');
      } catch (e) {
        throw withPath(e, file);
      }
      const lines = text.split('\n').filter((l) => l.trim() !== '');
      const pool = createPool(loadEnv().databaseUrl, 2);
      try {
        const n = await appendToStream(pool, source.stream ?? 'default', lines.map((payload) => ({ payload })));
        ctx.out(`appended ${n} record(s) to stream "${source.stream ?? 'default'}"`);
      } finally {
        await pool.end();
      }
      return 0;
    }

    if (action !== 'start' && action !== 'status' && !(action && SIGNALS[action])) {
      throw new UsageError('usage: govflow stream start|status|pause|resume|stop|push FILE');
    }
    const { client, connection } = await connectClient();
    try {
      // start, status (a query) and the signals all need a worker to act: without one, say so
      // instead of starting a stream nobody pulls or waiting on a query nobody answers.
      await requireWorker(client, loadEnv().taskQueue);
      const handle = client.workflow.getHandle(workflowId);
      switch (action) {
        case 'start': {
          const input: StreamInput = { source, batchSize: intFlag(ctx, 'batch-size'), maxWaitMs: intFlag(ctx, 'max-wait-ms') };
          try {
            await client.workflow.start(streamGovernance, { taskQueue: loadEnv().taskQueue, workflowId, args: [input] });
            ctx.out(`started ${workflowId} on ${streamSourceName(source)}`);
          } catch (err) {
            if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
            ctx.out(`${workflowId} is already running`);
          }
          return 0;
        }
        case 'status': {
          const s = await handle.query(streamStatusQuery);
          if (ctx.flags.json === true) ctx.out(JSON.stringify(s, null, 2));
          else {
            const k = s.kpis;
            ctx.out(`${workflowId}: ${s.state} on ${streamSourceName(s.source)}`);
            ctx.out(`  batches ${k.batches}  events ${k.events}  rejected ${k.rejected}  alerts raised ${k.alertsRaised} (updated by ${k.alertsUpdated ?? 0} later batches)`);
            ctx.out(`  lag last ${k.lastLagMs ?? '-'} ms, max ${k.maxLagMs} ms; continued as new ${k.continuedAsNew} time(s)`);
            if (k.last) ctx.out(`  last batch: ${k.last.events} events, ${k.last.findings} findings and ${k.last.consentViolations} consent violations in its span`);
          }
          return 0;
        }
        default: {
          const signal = action ? SIGNALS[action] : undefined;
          if (!signal) throw new UsageError('usage: govflow stream start|status|pause|resume|stop|push FILE');
          await handle.signal(signal);
          ctx.out(`${action === 'stop' ? 'stopping' : `${action}d`} ${workflowId}`);
          return 0;
        }
      }
    } finally {
      await connection.close();
    }
  },
};
