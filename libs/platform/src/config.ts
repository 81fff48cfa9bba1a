import type { LogLevel } from '@nestjs/common';
import { createPublicKey } from 'node:crypto';
import { KafkaSecurity, readKafkaSecurity } from './kafka-security';

export type ServiceName = 'attestation' | 'reseller-relationship' | 'order-gate' | 'audit';

export interface JwtConfig {
  readonly secret?: string;
  readonly publicKey?: string;
  readonly jwksUrl?: string;
  readonly issuer?: string;
  readonly audience?: string;
}

export interface ServiceConfig {
  readonly service: ServiceName;
  readonly port: number;
  readonly kafkaBrokers: readonly string[];
  /** SSL and SASL for every Kafka client; undefined for a plain broker. */
  readonly kafkaSecurity?: KafkaSecurity;
  readonly databaseUrl: string;
  readonly jwt: JwtConfig;
  readonly kafkaGroupPrefix: string;
  readonly logLevel: LogLevel;
  /** S-03: the operator's tenants, the only ones whose `Auditor` and `PlatformAdmin` roles count. */
  readonly operatorTenantIds: readonly string[];
  /** S-09: requests per minute; 0 turns a limit off. */
  readonly rateLimit: RateLimitConfig;
}

export interface RateLimitConfig {
  /** Per calling tenant (`tid` of a verified token). */
  readonly perPartnerPerMinute: number;
  /** Per client address, for calls without a valid token. */
  readonly perAddressPerMinute: number;
}

/** The injection token under which `PlatformModule` provides the `ServiceConfig`. */
export const SERVICE_CONFIG = 'SERVICE_CONFIG';

export const PORT_VARIABLES: Readonly<Record<ServiceName, { variable: string; defaultPort: number }>> = {
  attestation: { variable: 'ATTESTATION_PORT', defaultPort: 3001 },
  'reseller-relationship': { variable: 'RESELLER_RELATIONSHIP_PORT', defaultPort: 3002 },
  'order-gate': { variable: 'ORDER_GATE_PORT', defaultPort: 3003 },
  audit: { variable: 'AUDIT_PORT', defaultPort: 3004 },
};

/** Nest's levels, least severe first: `LOG_LEVEL` enables its level and every more severe one. */
export const LOG_LEVELS: readonly LogLevel[] = ['verbose', 'debug', 'log', 'warn', 'error', 'fatal'];

export const MIN_JWT_SECRET_LENGTH = 32;

/**
 * S-09 defaults: far above what a partner system does in normal use (Partner Center itself allows a
 * few hundred calls a minute on most operations), low enough to stop a flood.
 */
export const DEFAULT_RATE_LIMIT_PER_PARTNER_PER_MINUTE = 6000;
export const DEFAULT_RATE_LIMIT_PER_ADDRESS_PER_MINUTE = 600;
const MAX_RATE_LIMIT_PER_MINUTE = 1_000_000;

export interface ConfigProblem {
  readonly variable: string;
  readonly expected: string;
}

/** A Kafka client outside the services (launcher, benches, tools, tests): the same variables and checks. */
export function kafkaSecurityFromEnv(env: Env = process.env): KafkaSecurity | undefined {
  const problems: ConfigProblem[] = [];
  const security = readKafkaSecurity(env, (variable, expected) => problems.push({ variable, expected }));
  if (problems.length > 0) throw new ConfigError(problems);
  return security;
}

/** The environment cannot run the service. The message names each bad variable, never its value. */
export class ConfigError extends Error {
  constructor(readonly problems: readonly ConfigProblem[]) {
    super(`Invalid configuration: ${problems.map((p) => `${p.variable} ${p.expected}`).join('; ')}`);
    this.name = 'ConfigError';
  }
}

const HOST_AND_PORT = /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?):(\d{1,5})$/;
const GROUP_PREFIX = /^[A-Za-z0-9._-]{1,100}$/;

type Env = Record<string, string | undefined>;

function valueOf(env: Env, variable: string): string | undefined {
  const value = env[variable]?.trim();
  return value ? value : undefined;
}

function isPort(text: string, allowZero: boolean): boolean {
  if (!/^\d{1,5}$/.test(text)) return false;
  const port = Number(text);
  return port <= 65535 && (allowZero || port > 0);
}

/**
 * Reads and checks the service's settings (docs/contract.md, "Running"). Every problem is collected so
 * one start names them all. Empty variables count as unset.
 */
export function loadConfig(env: Env = process.env, opts: { service: ServiceName }): ServiceConfig {
  const problems: ConfigProblem[] = [];
  const problem = (variable: string, expected: string) => problems.push({ variable, expected });

  const { variable: portVariable, defaultPort } = PORT_VARIABLES[opts.service];
  const portText = valueOf(env, portVariable);
  if (portText !== undefined && !isPort(portText, true)) {
    problem(portVariable, 'must be a TCP port number between 0 and 65535');
  }

  const kafkaBrokers = (valueOf(env, 'KAFKA_BROKERS') ?? '127.0.0.1:9092').split(',').map((b) => b.trim());
  if (
    kafkaBrokers.some((broker) => !HOST_AND_PORT.test(broker) || !isPort(broker.split(':').pop()!, false))
  ) {
    problem('KAFKA_BROKERS', 'must be a comma-separated list of host:port (e.g. 127.0.0.1:9092)');
  }

  const kafkaSecurity = readKafkaSecurity(env, problem);

  const databaseUrl = valueOf(env, 'DATABASE_URL') ?? 'postgres://postgres@127.0.0.1:5432/postgres';
  if (!isPostgresUrl(databaseUrl)) {
    problem('DATABASE_URL', 'must be a postgres:// or postgresql:// URL (e.g. postgres://user@host:5432/db)');
  }

  const jwt = readJwtConfig(env, problem);

  const kafkaGroupPrefix = valueOf(env, 'KAFKA_GROUP_PREFIX') ?? 'acceptance-gate';
  if (!GROUP_PREFIX.test(kafkaGroupPrefix)) {
    problem('KAFKA_GROUP_PREFIX', 'must be 1 to 100 letters, digits, ".", "_" or "-"');
  }

  const logLevel = valueOf(env, 'LOG_LEVEL') ?? 'log';
  if (!(LOG_LEVELS as readonly string[]).includes(logLevel)) {
    problem('LOG_LEVEL', `must be one of ${LOG_LEVELS.join(', ')}`);
  }

  const operatorTenantIds = readOperatorTenantIds(env, problem);
  const rateLimit: RateLimitConfig = {
    perPartnerPerMinute: readRateLimit(
      env,
      'RATE_LIMIT_PER_PARTNER_PER_MINUTE',
      DEFAULT_RATE_LIMIT_PER_PARTNER_PER_MINUTE,
      problem,
    ),
    perAddressPerMinute: readRateLimit(
      env,
      'RATE_LIMIT_PER_ADDRESS_PER_MINUTE',
      DEFAULT_RATE_LIMIT_PER_ADDRESS_PER_MINUTE,
      problem,
    ),
  };

  if (problems.length > 0) throw new ConfigError(problems);
  return Object.freeze({
    service: opts.service,
    port: portText === undefined ? defaultPort : Number(portText),
    kafkaBrokers: Object.freeze(kafkaBrokers),
    kafkaSecurity,
    databaseUrl,
    jwt: Object.freeze(jwt),
    kafkaGroupPrefix,
    logLevel: logLevel as LogLevel,
    operatorTenantIds: Object.freeze(operatorTenantIds),
    rateLimit: Object.freeze(rateLimit),
  });
}

function isPostgresUrl(text: string): boolean {
  try {
    const url = new URL(text);
    return url.protocol === 'postgres:' || url.protocol === 'postgresql:';
  } catch {
    return false;
  }
}

function readJwtConfig(env: Env, problem: (variable: string, expected: string) => void): JwtConfig {
  const secret = valueOf(env, 'JWT_SECRET');
  const publicKey = valueOf(env, 'JWT_PUBLIC_KEY')?.replace(/\\n/g, '\n').trim();
  const jwksUrl = valueOf(env, 'JWT_JWKS_URL');
  const issuer = valueOf(env, 'JWT_ISSUER');
  const audience = valueOf(env, 'JWT_AUDIENCE');

  if (!secret && !publicKey && !jwksUrl) {
    problem('JWT_SECRET', 'must be set (HS256, local runs), unless JWT_PUBLIC_KEY or JWT_JWKS_URL is set');
  }
  if (secret !== undefined && secret.length < MIN_JWT_SECRET_LENGTH) {
    problem('JWT_SECRET', `must be at least ${MIN_JWT_SECRET_LENGTH} characters long`);
  }
  if (publicKey !== undefined && !isUsablePublicKey(publicKey)) {
    problem(
      'JWT_PUBLIC_KEY',
      'must be an RSA or P-256 EC public key in PEM ("-----BEGIN PUBLIC KEY-----", \\n allowed)',
    );
  }
  if (jwksUrl !== undefined && !isAllowedJwksUrl(jwksUrl)) {
    problem(
      'JWT_JWKS_URL',
      'must be an https:// URL (http:// only for a loopback host: 127.0.0.0/8, localhost, [::1])',
    );
  }
  // S-03: with public keys, tokens come from a real identity provider, which serves many
  // applications and tenants: only its issuer and our audience make a token one meant for us.
  // A local run (npm start) trusts its own OIDC provider's key set beside the HS256 secret that
  // `npm run token` signs with: only a key set served on this machine, never beside a public key.
  if (publicKey !== undefined || jwksUrl !== undefined) {
    const localKeySetBesideSecret =
      publicKey === undefined && jwksUrl !== undefined && isLocalJwksUrl(jwksUrl);
    if (secret !== undefined && !localKeySetBesideSecret) {
      problem(
        'JWT_SECRET',
        'must not be set together with JWT_PUBLIC_KEY, or with a JWT_JWKS_URL off a loopback host (HS256 is for local runs only)',
      );
    }
    if (issuer === undefined) problem('JWT_ISSUER', 'must be set when JWT_PUBLIC_KEY or JWT_JWKS_URL is set');
    if (audience === undefined) {
      problem('JWT_AUDIENCE', 'must be set when JWT_PUBLIC_KEY or JWT_JWKS_URL is set');
    }
  }
  return { secret, publicKey, jwksUrl, issuer, audience };
}

function isUsablePublicKey(pem: string): boolean {
  if (!pem.includes('-----BEGIN PUBLIC KEY-----')) return false;
  try {
    const key = createPublicKey(pem);
    return (
      key.asymmetricKeyType === 'rsa' ||
      (key.asymmetricKeyType === 'ec' && key.asymmetricKeyDetails?.namedCurve === 'prime256v1')
    );
  } catch {
    return false;
  }
}

const LOWER_CASE_GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

function readOperatorTenantIds(env: Env, problem: (variable: string, expected: string) => void): string[] {
  const text = valueOf(env, 'OPERATOR_TENANT_IDS');
  if (text === undefined) return [];
  const ids = text.split(',').map((id) => id.trim());
  if (!ids.every((id) => LOWER_CASE_GUID.test(id))) {
    problem('OPERATOR_TENANT_IDS', 'must be a comma-separated list of lower-case tenant GUIDs');
    return [];
  }
  return [...new Set(ids)];
}

function readRateLimit(
  env: Env,
  variable: string,
  defaultValue: number,
  problem: (variable: string, expected: string) => void,
): number {
  const text = valueOf(env, variable);
  if (text === undefined) return defaultValue;
  if (!/^\d{1,7}$/.test(text) || Number(text) > MAX_RATE_LIMIT_PER_MINUTE) {
    problem(
      variable,
      `must be a whole number of requests per minute, 0 (no limit) to ${MAX_RATE_LIMIT_PER_MINUTE}`,
    );
    return defaultValue;
  }
  return Number(text);
}

/** https, or http to this machine only (a test's key server): keys fetched in clear could be swapped. */
function isAllowedJwksUrl(text: string): boolean {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return false;
  }
  if (url.protocol === 'https:') return true;
  return url.protocol === 'http:' && isLoopbackHost(url.hostname);
}

/** A JWKS URL on a loopback host: the local OIDC provider of `npm start`, which may sit beside JWT_SECRET. */
export function isLocalJwksUrl(text: string): boolean {
  try {
    return isLoopbackHost(new URL(text).hostname);
  } catch {
    return false;
  }
}

function isLoopbackHost(hostname: string): boolean {
  if (hostname === 'localhost' || hostname === '[::1]') return true;
  const octets = hostname.split('.');
  return (
    octets.length === 4 && octets[0] === '127' && octets.every((o) => /^\d{1,3}$/.test(o) && Number(o) <= 255)
  );
}
