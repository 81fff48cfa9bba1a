import { ConfigError, loadConfig, type ServiceName } from './config';
import { generateKeyPairSync } from 'node:crypto';

const SECRET = 'a-secret-value-of-at-least-32-characters!!';
const OPERATOR_A = '00000000-0000-4000-8000-0000000000a1';
const OPERATOR_B = '6f1c2d3e-4a5b-4c6d-8e7f-901a2b3c4d5e';
/** What a real identity provider needs besides its keys (S-03); no HS256 secret beside it. */
const IDENTITY_PROVIDER = {
  JWT_SECRET: '',
  JWT_ISSUER: 'https://login.example.com/',
  JWT_AUDIENCE: 'api://gate',
};

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
  it('applies the defaults of docs/contract.md', () => {
    const config = loadConfig({ JWT_SECRET: SECRET }, { service: 'order-gate' });
    expect(config).toEqual({
      service: 'order-gate',
      port: 3003,
      kafkaBrokers: ['127.0.0.1:9092'],
      databaseUrl: 'postgres://postgres@127.0.0.1:5432/postgres',
      jwt: { secret: SECRET },
      kafkaGroupPrefix: 'acceptance-gate',
      logLevel: 'log',
      operatorTenantIds: [],
      rateLimit: { perPartnerPerMinute: 6000, perAddressPerMinute: 600 },
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
        JWT_SECRET: '',
        JWT_JWKS_URL: 'https://login.example.com/keys',
        JWT_ISSUER: 'https://login.example.com/',
        JWT_AUDIENCE: 'api://acceptance-gate',
        KAFKA_GROUP_PREFIX: 'gate.test_1',
        LOG_LEVEL: 'debug',
        OPERATOR_TENANT_IDS: `${OPERATOR_A}, ${OPERATOR_B}`,
        RATE_LIMIT_PER_PARTNER_PER_MINUTE: '120',
        RATE_LIMIT_PER_ADDRESS_PER_MINUTE: '0',
      },
      { service: 'audit' },
    );
    expect(config).toMatchObject({
      port: 9000,
      kafkaBrokers: ['kafka-1:9092', 'kafka-2:9093', '[::1]:9094'],
      databaseUrl: 'postgresql://app:pw@db.internal:5433/gate',
      jwt: {
        secret: undefined,
        jwksUrl: 'https://login.example.com/keys',
        issuer: 'https://login.example.com/',
        audience: 'api://acceptance-gate',
      },
      kafkaGroupPrefix: 'gate.test_1',
      logLevel: 'debug',
      operatorTenantIds: [OPERATOR_A, OPERATOR_B],
      rateLimit: { perPartnerPerMinute: 120, perAddressPerMinute: 0 },
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
    const config = loadConfig(
      { JWT_PUBLIC_KEY: pem.replace(/\n/g, '\\n'), ...IDENTITY_PROVIDER },
      { service: 'audit' },
    );
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
    [{ JWT_PUBLIC_KEY: 'not a key', ...IDENTITY_PROVIDER }, 'JWT_PUBLIC_KEY', 'PEM'],
    [{ JWT_JWKS_URL: 'ftp://keys', ...IDENTITY_PROVIDER }, 'JWT_JWKS_URL', 'https://'],
    [{ RATE_LIMIT_PER_PARTNER_PER_MINUTE: 'many' }, 'RATE_LIMIT_PER_PARTNER_PER_MINUTE', 'whole number'],
    [{ RATE_LIMIT_PER_ADDRESS_PER_MINUTE: '-5' }, 'RATE_LIMIT_PER_ADDRESS_PER_MINUTE', 'whole number'],
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

describe('S-03: who may act, in the configuration', () => {
  it('reads OPERATOR_TENANT_IDS as a list of lower-case GUIDs; unset or empty, nobody is an operator', () => {
    expect(loadConfig({ JWT_SECRET: SECRET }, { service: 'audit' }).operatorTenantIds).toEqual([]);
    expect(
      loadConfig({ JWT_SECRET: SECRET, OPERATOR_TENANT_IDS: ' ' }, { service: 'audit' }).operatorTenantIds,
    ).toEqual([]);
    expect(
      loadConfig({ JWT_SECRET: SECRET, OPERATOR_TENANT_IDS: OPERATOR_A }, { service: 'audit' })
        .operatorTenantIds,
    ).toEqual([OPERATOR_A]);
  });

  it.each([
    ['an upper-case GUID', OPERATOR_B.toUpperCase()],
    ['a name', 'contoso'],
    ['an empty entry', `${OPERATOR_A},,${OPERATOR_B}`],
    ['a GUID in braces', `{${OPERATOR_A}}`],
  ])('refuses OPERATOR_TENANT_IDS with %s, naming the variable', (_case, value) => {
    const error = errorFor({ OPERATOR_TENANT_IDS: value });
    expect(error.problems.map((p) => p.variable)).toEqual(['OPERATOR_TENANT_IDS']);
    expect(error.message).toContain('lower-case tenant GUIDs');
  });

  it.each(['JWT_PUBLIC_KEY', 'JWT_JWKS_URL'])(
    'refuses %s without JWT_ISSUER and JWT_AUDIENCE',
    (variable) => {
      const { publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
      const value =
        variable === 'JWT_PUBLIC_KEY'
          ? publicKey.export({ type: 'spki', format: 'pem' }).toString()
          : 'https://login.example.com/keys';
      const neither = errorFor({ JWT_SECRET: '', [variable]: value });
      expect(neither.problems.map((p) => p.variable)).toEqual(['JWT_ISSUER', 'JWT_AUDIENCE']);
      const noAudience = errorFor({
        JWT_SECRET: '',
        [variable]: value,
        JWT_ISSUER: 'https://login.example.com/',
      });
      expect(noAudience.problems.map((p) => p.variable)).toEqual(['JWT_AUDIENCE']);
      expect(() =>
        loadConfig({ [variable]: value, ...IDENTITY_PROVIDER }, { service: 'audit' }),
      ).not.toThrow();
    },
  );

  it('refuses an HS256 secret beside a public key or a JWKS URL', () => {
    const error = errorFor({
      JWT_SECRET: SECRET,
      JWT_JWKS_URL: 'https://login.example.com/keys',
      JWT_ISSUER: 'https://login.example.com/',
      JWT_AUDIENCE: 'api://gate',
    });
    expect(error.problems.map((p) => p.variable)).toEqual(['JWT_SECRET']);
    expect(error.message).toContain('HS256 is for local runs only');
  });

  it.each(['http://127.0.0.1:3010/jwks', 'http://localhost:3010/jwks', 'https://127.0.0.1:3010/jwks'])(
    "S-03: accepts the HS256 secret beside the local OIDC provider's key set at %s (npm start)",
    (url) => {
      const jwt = loadConfig(
        {
          JWT_SECRET: SECRET,
          JWT_JWKS_URL: url,
          JWT_ISSUER: 'http://127.0.0.1:3010',
          JWT_AUDIENCE: 'api://acceptance-gate',
        },
        { service: 'audit' },
      ).jwt;
      expect(jwt).toMatchObject({ secret: SECRET, jwksUrl: url, issuer: 'http://127.0.0.1:3010' });
    },
  );

  it('S-03: refuses the HS256 secret beside a local key set when a public key is configured too', () => {
    const { publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const error = errorFor({
      JWT_SECRET: SECRET,
      JWT_PUBLIC_KEY: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
      JWT_JWKS_URL: 'http://127.0.0.1:3010/jwks',
      JWT_ISSUER: 'http://127.0.0.1:3010',
      JWT_AUDIENCE: 'api://acceptance-gate',
    });
    expect(error.problems.map((p) => p.variable)).toEqual(['JWT_SECRET']);
  });

  it('S-03: a local key set still needs JWT_ISSUER and JWT_AUDIENCE beside the secret', () => {
    const error = errorFor({ JWT_SECRET: SECRET, JWT_JWKS_URL: 'http://127.0.0.1:3010/jwks' });
    expect(error.problems.map((p) => p.variable)).toEqual(['JWT_ISSUER', 'JWT_AUDIENCE']);
  });

  it.each([
    'http://login.example.com/keys',
    'http://10.0.0.5/keys',
    'http://127.0.0.1.example.com/keys',
    'ftp://login.example.com/keys',
  ])('refuses the JWKS URL %s: keys come over https', (url) => {
    const error = errorFor({ JWT_JWKS_URL: url, ...IDENTITY_PROVIDER });
    expect(error.problems.map((p) => p.variable)).toEqual(['JWT_JWKS_URL']);
  });

  it.each([
    'https://login.example.com/keys',
    'http://127.0.0.1:8080/keys',
    'http://127.10.20.30/keys',
    'http://localhost:3000/keys',
    'http://[::1]:4000/keys',
  ])('accepts the JWKS URL %s (https, or a loopback host for tests)', (url) => {
    expect(loadConfig({ JWT_JWKS_URL: url, ...IDENTITY_PROVIDER }, { service: 'audit' }).jwt.jwksUrl).toBe(
      url,
    );
  });
});
