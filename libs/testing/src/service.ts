import { DynamicModule, INestApplication } from '@nestjs/common';
import { randomUUID } from 'crypto';
import request from 'supertest';
import { createServiceApp, loadConfig, ServiceConfig, ServiceName } from '@app/platform';
import { signHs256Token } from '@app/platform/auth/dev-token';
import { provideAuditSigningKey } from './audit-signing-key';
import { eventually } from './eventually';
import { kafkaBrokers } from './infra';

/** Only for tests: long enough for the platform's rule, and never used outside them. */
export const TEST_JWT_SECRET = 'test-only-hs256-secret-0123456789abcdef';

/**
 * The operator's tenant in tests (OPERATOR_TENANT_IDS, S-03): only tokens from it hold `Auditor` and
 * `PlatformAdmin`. `startService` configures it; mint operator tokens with `operatorBearer`.
 */
export const OPERATOR_TENANT_ID = '00000000-0000-4000-8000-0000000000a1';

export interface RunningService {
  app: INestApplication;
  url: string;
  config: ServiceConfig;
  http(): ReturnType<typeof request>;
  close(): Promise<void>;
}

export interface StartServiceOptions {
  databaseUrl: string;
  /** Consumer groups are `<prefix>.<service>.<consumer>`: a fresh prefix isolates a test's groups. */
  groupPrefix: string;
  env?: Record<string, string>;
  /** Another broker than the harness's (KAFKA_BROKERS): the secured one of the S-04 test. */
  brokers?: readonly string[];
}

/* A suite run against a secured broker hands its Kafka login to every service it starts. */
const KAFKA_SECURITY_VARIABLES = [
  'KAFKA_SSL',
  'KAFKA_SSL_CA_FILE',
  'KAFKA_SASL_MECHANISM',
  'KAFKA_SASL_USERNAME',
  'KAFKA_SASL_PASSWORD',
];

function kafkaSecurityVariables(): Record<string, string> {
  return Object.fromEntries(
    KAFKA_SECURITY_VARIABLES.flatMap((v) => (process.env[v] ? [[v, process.env[v]!]] : [])),
  );
}

/**
 * Starts one service in this process against the real database and broker, on a free port, and
 * waits until it answers ready (database reachable, consumers joined). New consumer groups start
 * at the topics' end, so a test sees only its own traffic.
 */
export async function startService(
  service: ServiceName,
  module: (config: ServiceConfig) => DynamicModule,
  options: StartServiceOptions,
): Promise<RunningService> {
  process.env.KAFKA_NEW_GROUP_START = 'latest';
  if (service === 'audit') provideAuditSigningKey();
  const config = loadConfig(
    {
      JWT_SECRET: TEST_JWT_SECRET,
      LOG_LEVEL: 'warn',
      OPERATOR_TENANT_IDS: OPERATOR_TENANT_ID,
      ...kafkaSecurityVariables(),
      ...options.env,
      KAFKA_BROKERS: (options.brokers ?? kafkaBrokers()).join(','),
      DATABASE_URL: options.databaseUrl,
      KAFKA_GROUP_PREFIX: options.groupPrefix,
    },
    { service },
  );
  const app = await createServiceApp(module(config), config);
  await app.listen(0, '127.0.0.1');
  const url = (await app.getUrl()).replace('[::1]', '127.0.0.1');
  await eventually(
    async () => {
      const res = await request(url).get('/health/ready');
      if (res.status !== 200) throw new Error(`${service} not ready: ${JSON.stringify(res.body)}`);
    },
    { timeoutMs: 60000, intervalMs: 100 },
  );
  return { app, url, config, http: () => request(url), close: () => app.close() };
}

export function uniqueGroupPrefix(label: string): string {
  return `test-${label}-${randomUUID().slice(0, 8)}`;
}

export interface TokenFor {
  tenantId: string;
  roles: string[];
  userId?: string;
}

export function bearer({ tenantId, roles, userId }: TokenFor): Promise<string> {
  return signHs256Token(TEST_JWT_SECRET, { tid: tenantId, oid: userId ?? randomUUID(), roles }).then(
    (t) => `Bearer ${t}`,
  );
}

/** A token of the operator's tenant with the given operator roles (`Auditor`, `PlatformAdmin`). */
export function operatorBearer(roles: string[]): Promise<string> {
  return bearer({ tenantId: OPERATOR_TENANT_ID, roles });
}
