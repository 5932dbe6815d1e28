import { Client, Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import { loadClientConnectConfig } from '@temporalio/envconfig';
import { payloadDataConverter } from './payload-codec';
import { loadPayloadKey } from '../masking/vault/secrets';
import { tracingPlugin } from '../observability/tracing';

// Where Temporal is comes from Temporal's own conventions (TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE,
// TLS and API-key variables, or a temporal.toml profile), so govflow needs no settings of its own.

export function temporalTarget(): { address: string; namespace: string; config: ReturnType<typeof loadClientConnectConfig> } {
  const config = loadClientConnectConfig();
  return {
    address: config.connectionOptions.address ?? 'localhost:7233',
    namespace: config.namespace ?? 'default',
    config,
  };
}

/** A client for the configured Temporal; `address` overrides it (e.g. a dev server just started). */
export async function connectClient(
  address = temporalTarget().address,
): Promise<{ client: Client; connection: Connection; namespace: string; address: string }> {
  const { namespace, config } = temporalTarget();
  let connection: Connection;
  try {
    connection = await Connection.connect({ ...config.connectionOptions, address });
  } catch (err) {
    throw new Error(`cannot reach Temporal at ${address} (${(err as Error).message}); start it with "npm start" or set TEMPORAL_ADDRESS`);
  }
  const dataConverter = payloadDataConverter(loadPayloadKey(process.env));
  // With an OTLP endpoint configured, a started run's trace begins here (observability/tracing.ts).
  const tracing = tracingPlugin({ serviceName: 'govflow-cli' });
  return { client: new Client({ connection, namespace, dataConverter, ...(tracing ? { plugins: [tracing] } : {}) }), connection, namespace, address };
}

/** A worker connection to the configured Temporal; `address` overrides it, as for {@link connectClient}. */
export async function connectWorkerConnection(
  address = temporalTarget().address,
): Promise<{ connection: NativeConnection; namespace: string; address: string }> {
  const { namespace, config } = temporalTarget();
  try {
    const connection = await NativeConnection.connect({ ...config.connectionOptions, address });
    return { connection, namespace, address };
  } catch (err) {
    throw new Error(`cannot reach Temporal at ${address} (${(err as Error).message}); start it with "npm start" or set TEMPORAL_ADDRESS`);
  }
}
