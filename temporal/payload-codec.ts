import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import type { DataConverter, Payload, PayloadCodec } from '@temporalio/common';
import { keyBytes } from '../masking/vault/crypto';

// Optional encryption of every Temporal payload (workflow inputs, results, activity arguments,
// heartbeats) with AES-256-GCM, on when GOVFLOW_PAYLOAD_KEY is set. govflow's payloads carry
// ids, windows and counts by design; this makes even those opaque to whoever runs the Temporal
// cluster. The Temporal UI shows them decoded through `govflow codec-server`.

export const ENCRYPTED_ENCODING = 'binary/encrypted';
const utf8 = (s: string) => new TextEncoder().encode(s);

/** A short, non-secret fingerprint of the key, stored with each payload so keys can rotate. */
export function payloadKeyId(secret: string): string {
  return createHash('sha256').update(keyBytes(secret)).digest('hex').slice(0, 12);
}

/** A payload in the JSON form of the codec-server protocol: metadata values and data in base64. */
export interface JsonPayload {
  metadata?: Record<string, string>;
  data?: string;
}

export function payloadToJson(p: Payload): JsonPayload {
  return {
    metadata: Object.fromEntries(Object.entries(p.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v).toString('base64')])),
    ...(p.data ? { data: Buffer.from(p.data).toString('base64') } : {}),
  };
}

export function payloadFromJson(p: JsonPayload): Payload {
  return {
    metadata: Object.fromEntries(Object.entries(p.metadata ?? {}).map(([k, v]) => [k, new Uint8Array(Buffer.from(v, 'base64'))])),
    ...(p.data !== undefined ? { data: new Uint8Array(Buffer.from(p.data, 'base64')) } : {}),
  };
}

export class AesGcmPayloadCodec implements PayloadCodec {
  private readonly keys: Map<string, Buffer>;
  private readonly current: string;

  /** The first secret encrypts; all of them decrypt (old keys stay listed while payloads age out). */
  constructor(secrets: string[]) {
    if (secrets.length === 0) throw new Error('AesGcmPayloadCodec needs at least one key');
    this.keys = new Map(secrets.map((s) => [payloadKeyId(s), keyBytes(s)]));
    this.current = payloadKeyId(secrets[0]!);
  }

  async encode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((p) => {
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', this.keys.get(this.current)!, iv);
      const ct = Buffer.concat([cipher.update(JSON.stringify(payloadToJson(p)), 'utf8'), cipher.final()]);
      return {
        metadata: { encoding: utf8(ENCRYPTED_ENCODING), 'encryption-key-id': utf8(this.current) },
        data: new Uint8Array(Buffer.concat([iv, cipher.getAuthTag(), ct])),
      };
    });
  }

  async decode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((p) => {
      const encoding = p.metadata?.encoding ? Buffer.from(p.metadata.encoding).toString('utf8') : undefined;
      if (encoding !== ENCRYPTED_ENCODING || !p.data) return p;
      const keyId = Buffer.from(p.metadata!['encryption-key-id'] ?? new Uint8Array()).toString('utf8');
      const key = this.keys.get(keyId);
      if (!key) throw new Error(`payload encrypted with unknown key ${keyId}: add its secret to GOVFLOW_PAYLOAD_KEY`);
      const raw = Buffer.from(p.data);
      const decipher = createDecipheriv('aes-256-gcm', key, raw.subarray(0, 12));
      decipher.setAuthTag(raw.subarray(12, 28));
      return payloadFromJson(JSON.parse(Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8')) as JsonPayload);
    });
  }
}

/** GOVFLOW_PAYLOAD_KEY may list several secrets, comma-separated: the first encrypts. */
export function payloadSecrets(payloadKey: string | undefined): string[] {
  return (payloadKey ?? '').split(',').map((s) => s.trim()).filter(Boolean);
}

/** The data converter for worker and client: the codec when a payload key is set, else none. */
export function payloadDataConverter(payloadKey: string | undefined): DataConverter | undefined {
  const secrets = payloadSecrets(payloadKey);
  return secrets.length ? { payloadCodecs: [new AesGcmPayloadCodec(secrets)] } : undefined;
}
