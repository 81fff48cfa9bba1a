import { ConfigError, loadConfig, type ServiceName } from './config';
import { generateKeyPairSync } from 'node:crypto';

const SECRET = 'a-secret-value-of-at-least-32-characters!!';

function errorFor(env: Record<string, string>, service: ServiceName = 'attestation'): ConfigError {
  try {
    loadConfig({ JWT_SECRET: SECRET, ...env }, { service });
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('loadConfig', () => {
  it('applies the defaults of CONTRACT.md', () => {
    const config = loadConfig({ JWT_SECRET: SECRET }, { service: 'order-gate' });
    expect(config).toEqual({
      service: 'order-gate',
      port: 3003,
      kafkaBrokers: ['127.0.0.1:9092'],
      databaseUrl: 'postgres://postgres@127.0.0.1:5432/postgres',
      jwt: { secret: SECRET },
      kafkaGroupPrefix: 'acceptance-gate',
      logLevel: 'log',
    });
  });

  it.each([
    ['attestation', 'ATTESTATION_PORT', 3001],
    ['reseller-relationship', 'RESELLER_RELATIONSHIP_PORT', 3002],
    ['order-gate', 'ORDER_GATE_PORT', 3003],
    ['audit', 'AUDIT_PORT', 3004],
  ] as const)('reads the port of %s from %s (default %i)', (service, variable, defaultPort) => {
    expect(loadConfig({ JWT_SECRET: SECRET }, { service }).port).toBe(defaultPort);
    expect(loadConfig({ JWT_SECRET: SECRET, [variable]: '8080' }, { service }).port).toBe(8080);
  });

  it('reads every variable', () => {
    const config = loadConfig(
      {
        AUDIT_PORT: '9000',
        KAFKA_BROKERS: 'kafka-1:9092, kafka-2:9093,[::1]:9094',
        DATABASE_URL: 'postgresql://app:pw@db.internal:5433/gate',
        JWT_SECRET: SECRET,
        JWT_JWKS_URL: 'https://login.example.com/keys',
        JWT_ISSUER: 'https://login.example.com/',
        JWT_AUDIENCE: 'api://acceptance-gate',
        KAFKA_GROUP_PREFIX: 'gate.test_1',
        LOG_LEVEL: 'debug',
      },
      { service: 'audit' },
    );
    expect(config).toMatchObject({
      port: 9000,
      kafkaBrokers: ['kafka-1:9092', 'kafka-2:9093', '[::1]:9094'],
      databaseUrl: 'postgresql://app:pw@db.internal:5433/gate',
      jwt: {
        secret: SECRET,
        jwksUrl: 'https://login.example.com/keys',
        issuer: 'https://login.example.com/',
        audience: 'api://acceptance-gate',
      },
      kafkaGroupPrefix: 'gate.test_1',
      logLevel: 'debug',
    });
  });

  it('is frozen, deeply', () => {
    const config = loadConfig({ JWT_SECRET: SECRET }, { service: 'audit' });
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.jwt)).toBe(true);
    expect(Object.isFrozen(config.kafkaBrokers)).toBe(true);
  });

  it('treats empty variables as unset', () => {
    expect(
      loadConfig({ JWT_SECRET: SECRET, AUDIT_PORT: '', JWT_ISSUER: ' ' }, { service: 'audit' }),
    ).toMatchObject({
      port: 3004,
      jwt: { issuer: undefined },
    });
  });

  it('accepts a PEM public key with escaped newlines instead of a secret', () => {
    const { publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const pem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
    const config = loadConfig({ JWT_PUBLIC_KEY: pem.replace(/\n/g, '\\n') }, { service: 'audit' });
    expect(config.jwt.publicKey).toBe(pem.trim());
  });

  it.each([
    [{ ATTESTATION_PORT: 'http' }, 'ATTESTATION_PORT', 'TCP port'],
    [{ ATTESTATION_PORT: '70000' }, 'ATTESTATION_PORT', 'TCP port'],
    [{ KAFKA_BROKERS: 'kafka-1' }, 'KAFKA_BROKERS', 'host:port'],
    [{ KAFKA_BROKERS: 'kafka-1:9092,,kafka-2:9092' }, 'KAFKA_BROKERS', 'host:port'],
    [{ KAFKA_BROKERS: 'kafka-1:0' }, 'KAFKA_BROKERS', 'host:port'],
    [{ DATABASE_URL: 'mysql://root@localhost/db' }, 'DATABASE_URL', 'postgres://'],
    [{ DATABASE_URL: 'not a url' }, 'DATABASE_URL', 'postgres://'],
    [{ JWT_PUBLIC_KEY: 'not a key' }, 'JWT_PUBLIC_KEY', 'PEM'],
    [{ JWT_JWKS_URL: 'ftp://keys' }, 'JWT_JWKS_URL', 'https://'],
    [{ KAFKA_GROUP_PREFIX: 'has spaces' }, 'KAFKA_GROUP_PREFIX', 'letters'],
    [{ LOG_LEVEL: 'loud' }, 'LOG_LEVEL', 'verbose, debug, log, warn, error, fatal'],
  ])('refuses %p, naming %s and what it expects', (env, variable, expected) => {
    const error = errorFor(env);
    expect(error.problems.map((p) => p.variable)).toEqual([variable]);
    expect(error.message).toContain(variable);
    expect(error.message).toContain(expected);
  });

  it('refuses to start without any way to verify tokens', () => {
    expect(() => loadConfig({}, { service: 'audit' })).toThrow(
      /JWT_SECRET must be set.*JWT_PUBLIC_KEY or JWT_JWKS_URL/,
    );
  });

  it('refuses a short secret without echoing it', () => {
    const error = errorFor({ JWT_SECRET: 'hunter2-is-my-password' });
    expect(error.message).toContain('JWT_SECRET must be at least 32 characters');
    expect(error.message).not.toContain('hunter2');
  });

  it('never echoes a database URL, which may hold a password', () => {
    const error = errorFor({ DATABASE_URL: 'mysql://root:s3cr3tpw@localhost/db' });
    expect(error.message).not.toContain('s3cr3tpw');
  });

  it('names every bad variable at once', () => {
    const error = errorFor({ AUDIT_PORT: '-1', LOG_LEVEL: 'loud', KAFKA_BROKERS: 'x' }, 'audit');
    expect(error.problems.map((p) => p.variable)).toEqual(['AUDIT_PORT', 'KAFKA_BROKERS', 'LOG_LEVEL']);
  });
});
