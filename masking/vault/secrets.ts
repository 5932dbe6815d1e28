import { readFileSync } from 'node:fs';
import { ConfigError } from '../../config/config-error';

// Secrets of the vault side, from the environment or, for NAME, from the file NAME_FILE names
// (Docker and Kubernetes secrets are mounted as files).

export interface VaultEnv {
  /** Wraps every person's data key; required when NODE_ENV=production. */
  vaultKey: string;
  /** When set, Temporal payloads are AES-GCM encrypted by worker and client. */
  payloadKey?: string;
}

const DEV_VAULT_KEY = 'govflow-development-vault-key-do-not-use-in-production';

/** NAME's value, or the contents of the file NAME_FILE (trailing newline trimmed); empty means unset. */
export function readSecret(env: NodeJS.ProcessEnv, name: string): string | undefined {
  if (env[name]) return env[name];
  const file = env[`${name}_FILE`];
  if (!file) return undefined;
  try {
    return readFileSync(file, 'utf8').replace(/\r?\n$/, '');
  } catch (err) {
    throw new ConfigError('environment', [`${name}_FILE: cannot read ${file} (${(err as Error).message})`]);
  }
}

function secret(env: NodeJS.ProcessEnv, name: string, requiredInProduction: boolean): string | undefined {
  const value = readSecret(env, name);
  if (value === undefined && requiredInProduction && env.NODE_ENV === 'production') {
    throw new ConfigError('environment', [`${name}: expected a secret of at least 32 characters (required when NODE_ENV=production)`]);
  }
  if (value !== undefined && value.length < 32) throw new ConfigError('environment', [`${name}: expected a secret of at least 32 characters`]);
  return value;
}

/** GOVFLOW_PAYLOAD_KEY (optional): clients need only this one, not the vault key. */
export function loadPayloadKey(env: NodeJS.ProcessEnv): string | undefined {
  return secret(env, 'GOVFLOW_PAYLOAD_KEY', false);
}

export function loadVaultEnv(env: NodeJS.ProcessEnv): VaultEnv {
  const payloadKey = loadPayloadKey(env);
  return { vaultKey: secret(env, 'GOVFLOW_VAULT_KEY', true) ?? DEV_VAULT_KEY, ...(payloadKey ? { payloadKey } : {}) };
}
