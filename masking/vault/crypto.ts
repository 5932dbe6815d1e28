import { createCipheriv, createDecipheriv, createHash, createHmac, randomBytes } from 'node:crypto';

// The cryptography of the PII vault. Every person has a data key of their own; it encrypts
// their vault entries and field-level-encrypted values (AES-256-GCM). Data keys are stored only
// wrapped under the vault key (GOVFLOW_VAULT_KEY), so a copy of the database alone opens nothing,
// and deleting one person's wrapped key makes every copy of their data unreadable
// (crypto-shredding), including copies in backups.

const VERSION = 'v1';

/** 32 key bytes from a secret of any length (hex from `openssl rand -hex 32`, or a passphrase). */
export function keyBytes(secret: string): Buffer {
  return /^[0-9a-f]{64}$/i.test(secret) ? Buffer.from(secret, 'hex') : createHash('sha256').update(secret, 'utf8').digest();
}

export function newDataKey(): Buffer {
  return randomBytes(32);
}

function seal(key: Buffer, plaintext: Buffer, iv: Buffer, aad: string): string {
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(Buffer.from(aad, 'utf8'));
  const ct = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return `${VERSION}.${Buffer.concat([iv, cipher.getAuthTag(), ct]).toString('base64url')}`;
}

function open(key: Buffer, sealed: string, aad: string): Buffer {
  const [version, body] = sealed.split('.', 2);
  if (version !== VERSION || !body) throw new Error(`not a ${VERSION} sealed value`);
  const raw = Buffer.from(body, 'base64url');
  const decipher = createDecipheriv('aes-256-gcm', key, raw.subarray(0, 12));
  decipher.setAAD(Buffer.from(aad, 'utf8'));
  decipher.setAuthTag(raw.subarray(12, 28));
  return Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]);
}

/** A person's data key, wrapped under the vault key and bound to the person's reference. */
export function wrapDataKey(vaultKey: Buffer, dataKey: Buffer, subjectRef: string): string {
  return seal(vaultKey, dataKey, randomBytes(12), `subject-key:${subjectRef}`);
}

export function unwrapDataKey(vaultKey: Buffer, wrapped: string, subjectRef: string): Buffer {
  return open(vaultKey, wrapped, `subject-key:${subjectRef}`);
}

/**
 * Encrypts a value under a person's data key. The IV is derived from the key and the value
 * (deterministic, SIV-style), so re-masking a window writes the same ciphertext: steps stay
 * idempotent. The price, equal values giving equal ciphertexts for one person, is acceptable
 * for identifiers that are pseudonymised anyway.
 */
export function encryptValue(dataKey: Buffer, value: string, context: string): string {
  const iv = createHmac('sha256', dataKey).update(`${context}\0${value}`, 'utf8').digest().subarray(0, 12);
  return seal(dataKey, Buffer.from(value, 'utf8'), iv, context);
}

export function decryptValue(dataKey: Buffer, sealed: string, context: string): string {
  return open(dataKey, sealed, context).toString('utf8');
}
