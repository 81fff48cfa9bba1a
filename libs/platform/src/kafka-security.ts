import { readFileSync } from 'node:fs';

/** The SASL mechanisms kafkajs speaks, as `KAFKA_SASL_MECHANISM` names them. */
export const KAFKA_SASL_MECHANISMS = ['plain', 'scram-sha-256', 'scram-sha-512'] as const;
export type KafkaSaslMechanism = (typeof KAFKA_SASL_MECHANISMS)[number];

/** One mechanism's login (a union, as kafkajs types it); the password is not enumerable, so a logged config never shows it. */
export type KafkaSasl = {
  [M in KafkaSaslMechanism]: { readonly mechanism: M; readonly username: string; readonly password: string };
}[KafkaSaslMechanism];

/**
 * How every Kafka client of the project connects to a secured broker: kafkajs's own `ssl` and
 * `sasl` options, so it is spread into `new Kafka({ ... })` as it is. Absent: plaintext, no login.
 */
export interface KafkaSecurity {
  readonly ssl?: true | { readonly ca: string[] };
  readonly sasl?: KafkaSasl;
}

type Env = Record<string, string | undefined>;
type Problem = (variable: string, expected: string) => void;

const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/;

/**
 * Reads `KAFKA_SSL`, `KAFKA_SSL_CA_FILE` (a PEM file, read now) and `KAFKA_SASL_*`; each problem is
 * reported by variable name, never with the password. Undefined when the broker is plain.
 * deploy/local/kafka-security.js is its twin for the launcher, which runs before any build.
 */
export function readKafkaSecurity(env: Env, problem: Problem): KafkaSecurity | undefined {
  const value = (variable: string) => env[variable]?.trim() || undefined;

  const sslText = value('KAFKA_SSL')?.toLowerCase();
  if (sslText !== undefined && sslText !== 'true' && sslText !== 'false')
    problem('KAFKA_SSL', 'must be true or false');
  const ssl = sslText === 'true';

  let ca: string | undefined;
  const caFile = value('KAFKA_SSL_CA_FILE');
  if (caFile !== undefined) {
    if (!ssl) problem('KAFKA_SSL_CA_FILE', 'needs KAFKA_SSL=true');
    try {
      ca = readFileSync(caFile, 'utf8');
      if (!PEM_CERTIFICATE.test(ca)) problem('KAFKA_SSL_CA_FILE', 'must be a PEM file of CA certificates');
    } catch {
      problem('KAFKA_SSL_CA_FILE', 'must name a readable file');
    }
  }

  const mechanismText = value('KAFKA_SASL_MECHANISM')?.toLowerCase();
  const username = value('KAFKA_SASL_USERNAME');
  const password = env.KAFKA_SASL_PASSWORD || undefined;
  let sasl: KafkaSasl | undefined;
  if (mechanismText === undefined) {
    if (username !== undefined || password !== undefined)
      problem(
        'KAFKA_SASL_MECHANISM',
        `must be set with KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD (${KAFKA_SASL_MECHANISMS.join(', ')})`,
      );
  } else if (!(KAFKA_SASL_MECHANISMS as readonly string[]).includes(mechanismText)) {
    problem('KAFKA_SASL_MECHANISM', `must be one of ${KAFKA_SASL_MECHANISMS.join(', ')}`);
  } else {
    if (username === undefined) problem('KAFKA_SASL_USERNAME', `must be set with KAFKA_SASL_MECHANISM`);
    if (password === undefined) problem('KAFKA_SASL_PASSWORD', `must be set with KAFKA_SASL_MECHANISM`);
    if (username !== undefined && password !== undefined)
      sasl = saslOf(mechanismText as KafkaSaslMechanism, username, password);
  }

  if (!ssl && !sasl) return undefined;
  return {
    ...(ssl ? { ssl: ca === undefined ? (true as const) : { ca: [ca] } } : {}),
    ...(sasl ? { sasl } : {}),
  };
}

function saslOf(mechanism: KafkaSaslMechanism, username: string, password: string): KafkaSasl {
  const sasl = { mechanism, username } as KafkaSasl;
  Object.defineProperty(sasl, 'password', { value: password, enumerable: false });
  // Not frozen: kafkajs keeps its authentication state on this object.
  return sasl;
}
