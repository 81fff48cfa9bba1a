import { mkdtempSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { inspect } from 'util';
import { ConfigError, kafkaSecurityFromEnv, loadConfig } from './config';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const launcherTwin = require('../../../deploy/local/kafka-security.js') as {
  readKafkaSecurity(env: Record<string, string>): { security: unknown; problems: unknown[] };
};

const SECRET = 'a-secret-value-of-at-least-32-characters!!';
const PASSWORD = 'never-printed-3f9a';
const dir = mkdtempSync(join(tmpdir(), 'kafka-security-'));
const CA_FILE = join(dir, 'ca.pem');
writeFileSync(CA_FILE, '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n');
const NOT_PEM = join(dir, 'not.pem');
writeFileSync(NOT_PEM, 'hello');

function problemsOf(env: Record<string, string>): string[] {
  try {
    kafkaSecurityFromEnv(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems.map((p) => p.variable);
    throw error;
  }
  return [];
}

const SCRAM = {
  KAFKA_SASL_MECHANISM: 'scram-sha-512',
  KAFKA_SASL_USERNAME: 'order-gate',
  KAFKA_SASL_PASSWORD: PASSWORD,
};

describe('Kafka security settings (S-04)', () => {
  it('leaves a plain broker plain', () => {
    expect(kafkaSecurityFromEnv({})).toBeUndefined();
    expect(kafkaSecurityFromEnv({ KAFKA_SSL: 'false' })).toBeUndefined();
    expect(loadConfig({ JWT_SECRET: SECRET }, { service: 'audit' }).kafkaSecurity).toBeUndefined();
  });

  it('builds kafkajs options: TLS with the CA read at start, and a SASL login', () => {
    const security = kafkaSecurityFromEnv({ KAFKA_SSL: 'true', KAFKA_SSL_CA_FILE: CA_FILE, ...SCRAM });

    expect(security?.ssl).toEqual({ ca: [expect.stringContaining('BEGIN CERTIFICATE')] });
    expect(security?.sasl).toMatchObject({ mechanism: 'scram-sha-512', username: 'order-gate' });
    expect(security?.sasl?.password).toBe(PASSWORD);
    expect(kafkaSecurityFromEnv({ KAFKA_SSL: 'true' })).toEqual({ ssl: true });
  });

  it('never shows the password when the config is logged or serialised', () => {
    const config = loadConfig({ JWT_SECRET: SECRET, ...SCRAM }, { service: 'order-gate' });

    expect(JSON.stringify(config)).not.toContain(PASSWORD);
    expect(inspect(config, { depth: 10 })).not.toContain(PASSWORD);
    expect(config.kafkaSecurity?.sasl?.password).toBe(PASSWORD);
  });

  it.each([
    [{ KAFKA_SSL: 'yes' }, ['KAFKA_SSL']],
    [
      { KAFKA_SASL_MECHANISM: 'gssapi', KAFKA_SASL_USERNAME: 'u', KAFKA_SASL_PASSWORD: 'p' },
      ['KAFKA_SASL_MECHANISM'],
    ],
    [{ KAFKA_SASL_MECHANISM: 'plain' }, ['KAFKA_SASL_USERNAME', 'KAFKA_SASL_PASSWORD']],
    [{ KAFKA_SASL_MECHANISM: 'scram-sha-256', KAFKA_SASL_USERNAME: 'u' }, ['KAFKA_SASL_PASSWORD']],
    [{ KAFKA_SASL_USERNAME: 'u', KAFKA_SASL_PASSWORD: 'p' }, ['KAFKA_SASL_MECHANISM']],
    [{ KAFKA_SSL: 'true', KAFKA_SSL_CA_FILE: join(dir, 'missing.pem') }, ['KAFKA_SSL_CA_FILE']],
    [{ KAFKA_SSL: 'true', KAFKA_SSL_CA_FILE: NOT_PEM }, ['KAFKA_SSL_CA_FILE']],
    [{ KAFKA_SSL_CA_FILE: CA_FILE }, ['KAFKA_SSL_CA_FILE']],
  ] as const)('refuses %j, naming %j', (env, variables) => {
    expect(problemsOf(env)).toEqual(variables);
    expect(() => loadConfig({ JWT_SECRET: SECRET, ...env }, { service: 'attestation' })).toThrow(ConfigError);
  });

  it('never puts the password in a refusal', () => {
    expect(() =>
      loadConfig(
        { JWT_SECRET: SECRET, KAFKA_SASL_MECHANISM: 'kerberos', KAFKA_SASL_PASSWORD: PASSWORD },
        { service: 'audit' },
      ),
    ).toThrow(expect.objectContaining({ message: expect.not.stringContaining(PASSWORD) }));
  });

  it("gives the launcher's twin (deploy/local/kafka-security.js) the same answers", () => {
    const cases: Record<string, string>[] = [
      {},
      { KAFKA_SSL: 'true', KAFKA_SSL_CA_FILE: CA_FILE, ...SCRAM },
      { KAFKA_SSL: 'true' },
      { KAFKA_SASL_MECHANISM: 'PLAIN', KAFKA_SASL_USERNAME: 'admin', KAFKA_SASL_PASSWORD: PASSWORD },
      { KAFKA_SSL: 'yes', KAFKA_SASL_MECHANISM: 'plain' },
      { KAFKA_SSL_CA_FILE: NOT_PEM, KAFKA_SASL_USERNAME: 'u' },
    ];
    for (const env of cases) {
      const twin = launcherTwin.readKafkaSecurity(env);
      let ours: unknown;
      let problems: unknown[] = [];
      try {
        ours = kafkaSecurityFromEnv(env);
      } catch (error) {
        problems = (error as ConfigError).problems as unknown[];
      }
      expect(twin.problems).toEqual(problems);
      if (problems.length === 0) {
        expect(twin.security).toEqual(ours);
        expect((twin.security as { sasl?: { password: string } } | undefined)?.sasl?.password).toBe(
          (ours as { sasl?: { password: string } } | undefined)?.sasl?.password,
        );
      }
    }
  });
});
