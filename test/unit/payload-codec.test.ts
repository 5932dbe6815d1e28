import { describe, expect, it } from 'vitest';
import { AesGcmPayloadCodec, ENCRYPTED_ENCODING, payloadDataConverter, payloadKeyId } from '../../temporal/payload-codec';

const A = 'payload-key-a-of-at-least-thirty-two-characters';
const B = 'payload-key-b-of-at-least-thirty-two-characters';
const text = (b?: Uint8Array | null) => Buffer.from(b ?? new Uint8Array()).toString('utf8');
const payload = { metadata: { encoding: new TextEncoder().encode('json/plain') }, data: new TextEncoder().encode('{"window":{"start":"2026-11-01T10:00:00Z"}}') };

describe('AES-GCM payload codec', () => {
  it('encrypts a payload so nothing of it shows, and decrypts it back', async () => {
    const codec = new AesGcmPayloadCodec([A]);
    const [enc] = await codec.encode([payload]);
    expect(text(enc!.metadata!.encoding)).toBe(ENCRYPTED_ENCODING);
    expect(text(enc!.metadata!['encryption-key-id'])).toBe(payloadKeyId(A));
    expect(text(enc!.data)).not.toContain('window');
    const [dec] = await codec.decode([enc!]);
    expect(text(dec!.data)).toBe(text(payload.data));
    expect(text(dec!.metadata!.encoding)).toBe('json/plain');
  });

  it('rotates: the first key encrypts, older keys still decrypt, unknown keys are named', async () => {
    const [old] = await new AesGcmPayloadCodec([A]).encode([payload]);
    const rotated = new AesGcmPayloadCodec([B, A]);
    expect(text((await rotated.decode([old!]))[0]!.data)).toBe(text(payload.data));
    expect(text((await rotated.encode([payload]))[0]!.metadata!['encryption-key-id'])).toBe(payloadKeyId(B));
    await expect(new AesGcmPayloadCodec([B]).decode([old!])).rejects.toThrow(/unknown key/);
  });

  it('leaves unencrypted payloads alone and is off without a key', async () => {
    expect(await new AesGcmPayloadCodec([A]).decode([payload])).toEqual([payload]);
    expect(payloadDataConverter(undefined)).toBeUndefined();
    expect(payloadDataConverter(`${A},${B}`)?.payloadCodecs).toHaveLength(1);
  });
});
