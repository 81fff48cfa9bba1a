import { createPrivateKey, createPublicKey, KeyObject } from 'crypto';
import { readFileSync } from 'fs';
import { ConfigError, ConfigProblem, ServiceConfig } from '@app/platform';
import { keyIdOf } from './checkpoints/checkpoint';

/**
 * The login role the audit runs as: not the owner of its tables, so it can neither drop the
 * append-only triggers nor change or delete a row (the migration creates it and grants it only
 * what ingest and the reads need).
 */
export const RUNTIME_ROLE = 'audit_service';

export interface AuditConfig {
  /** Ed25519 key that signs the checkpoints (U-07); it never goes to the database. */
  readonly signingKey: KeyObject;
  readonly publicKey: KeyObject;
  readonly publicKeyPem: string;
  readonly keyId: string;
  readonly checkpointIntervalMs: number;
  /** Where the service connects as RUNTIME_ROLE (the migrations run with DATABASE_URL). */
  readonly runtimeDatabaseUrl: string;
}

type Env = Record<string, string | undefined>;

const MIN_INTERVAL_MS = 100;
const MAX_INTERVAL_MS = 86400000;
export const DEFAULT_CHECKPOINT_INTERVAL_MS = 60000;

function valueOf(env: Env, variable: string): string | undefined {
  const value = env[variable]?.trim();
  return value ? value : undefined;
}

/** The same URL as the owner's, as RUNTIME_ROLE and without the owner's password. */
export function runtimeUrlFrom(databaseUrl: string): string {
  const url = new URL(databaseUrl);
  url.username = RUNTIME_ROLE;
  url.password = '';
  return url.toString();
}

function readSigningKey(
  env: Env,
  problem: (variable: string, expected: string) => void,
): KeyObject | undefined {
  const inline = valueOf(env, 'AUDIT_SIGNING_KEY');
  const file = valueOf(env, 'AUDIT_SIGNING_KEY_FILE');
  const expected = 'must be an Ed25519 private key in PEM (PKCS#8, "-----BEGIN PRIVATE KEY-----")';
  if (inline !== undefined && file !== undefined) {
    problem('AUDIT_SIGNING_KEY', 'and AUDIT_SIGNING_KEY_FILE are both set: set only one');
    return undefined;
  }
  if (inline === undefined && file === undefined) {
    problem(
      'AUDIT_SIGNING_KEY',
      'or AUDIT_SIGNING_KEY_FILE must be set (the key that signs checkpoints, U-07)',
    );
    return undefined;
  }
  const variable = inline !== undefined ? 'AUDIT_SIGNING_KEY' : 'AUDIT_SIGNING_KEY_FILE';
  let pem: string;
  try {
    pem = inline !== undefined ? inline.replace(/\\n/g, '\n') : readFileSync(file!, 'utf8');
  } catch {
    problem(variable, 'must name a readable file');
    return undefined;
  }
  try {
    const key = createPrivateKey({ key: pem, format: 'pem' });
    if (key.asymmetricKeyType === 'ed25519') return key;
  } catch {
    // reported below, without the key's text
  }
  problem(variable, expected);
  return undefined;
}

/** The audit's own settings, checked at start: every problem is named in one ConfigError. */
export function loadAuditConfig(env: Env, service: Pick<ServiceConfig, 'databaseUrl'>): AuditConfig {
  const problems: ConfigProblem[] = [];
  const problem = (variable: string, expected: string) => problems.push({ variable, expected });

  const signingKey = readSigningKey(env, problem);

  let checkpointIntervalMs = DEFAULT_CHECKPOINT_INTERVAL_MS;
  const intervalText = valueOf(env, 'AUDIT_CHECKPOINT_INTERVAL_MS');
  if (intervalText !== undefined) {
    checkpointIntervalMs = /^\d{1,9}$/.test(intervalText) ? Number(intervalText) : NaN;
    if (!(checkpointIntervalMs >= MIN_INTERVAL_MS && checkpointIntervalMs <= MAX_INTERVAL_MS)) {
      problem(
        'AUDIT_CHECKPOINT_INTERVAL_MS',
        `must be an integer from ${MIN_INTERVAL_MS} to ${MAX_INTERVAL_MS}`,
      );
    }
  }

  const runtimeDatabaseUrl = valueOf(env, 'AUDIT_DATABASE_URL') ?? runtimeUrlFrom(service.databaseUrl);
  if (!/^postgres(ql)?:\/\/./.test(runtimeDatabaseUrl)) {
    problem('AUDIT_DATABASE_URL', 'must be a postgres:// or postgresql:// URL');
  }

  if (problems.length > 0 || signingKey === undefined) throw new ConfigError(problems);
  const publicKey = createPublicKey(signingKey);
  return Object.freeze({
    signingKey,
    publicKey,
    publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    keyId: keyIdOf(publicKey),
    checkpointIntervalMs,
    runtimeDatabaseUrl,
  });
}
