import { DynamicModule } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { ServiceConfig, ServiceName } from '@app/platform';
import {
  createTestDatabase,
  RunningService,
  startService,
  TestDatabase,
  uniqueGroupPrefix,
} from '@app/testing';
import { AttestationModule } from '../apps/attestation/src/attestation.module';
import { AuditModule } from '../apps/audit/src/audit.module';
import { OrderGateModule } from '../apps/order-gate/src/order-gate.module';
import { ResellerRelationshipModule } from '../apps/reseller-relationship/src/reseller-relationship.module';

const SERVICES: Array<[ServiceName, (c: ServiceConfig) => DynamicModule, string]> = [
  ['attestation', (c) => AttestationModule.forRoot(c), 'attestation'],
  ['reseller-relationship', (c) => ResellerRelationshipModule.forRoot(c), 'reseller_relationship'],
  ['order-gate', (c) => OrderGateModule.forRoot(c), 'order_gate'],
  ['audit', (c) => AuditModule.forRoot(c), 'audit'],
];

describe('the four services boot against the real broker and database', () => {
  let db: TestDatabase;
  const running = new Map<ServiceName, RunningService>();

  beforeAll(async () => {
    db = await createTestDatabase('services_boot');
    const options = { databaseUrl: db.url, groupPrefix: uniqueGroupPrefix('boot') };
    for (const [name, module] of SERVICES) running.set(name, await startService(name, module, options));
  });

  afterAll(async () => {
    await Promise.allSettled([...running.values()].map((s) => s.close()));
    await db?.drop();
  });

  it.each(SERVICES)('%s: is live and ready, with its own migrated schema', async (name, _module, schema) => {
    const service = running.get(name)!;
    await service.http().get('/health/live').expect(200);
    const ready = await service.http().get('/health/ready').expect(200);
    expect(ready.body.checks).toMatchObject({ database: 'ok', kafka: 'ok' });
    const migrated = await service.app.get(DataSource).query(`SELECT name FROM ${schema}.migrations`);
    expect(migrated.length).toBeGreaterThan(0);
  });

  it.each(SERVICES)(
    '%s: serves Prometheus metrics and its OpenAPI document with bearer auth',
    async (name) => {
      const service = running.get(name)!;
      const metrics = await service.http().get('/metrics').expect(200);
      expect(metrics.text).toContain('http_request_duration_seconds');
      const docs = await service.http().get('/docs-json').expect(200);
      expect(docs.body.openapi).toMatch(/^3\./);
      expect(JSON.stringify(docs.body.components?.securitySchemes ?? {})).toMatch(/bearer/i);
    },
  );

  it.each(SERVICES)('%s: answers an unknown route with 404 in Partner Center error shape', async (name) => {
    const res = await running
      .get(name)!
      .http()
      .get('/v1/no-such-route')
      .set('MS-CorrelationId', 'boot-test-1');
    expect(res.status).toBe(404);
    expect(res.body).toMatchObject({ code: 610004, errorName: 'NotFound', isRetryable: false });
    expect(res.headers['ms-correlationid']).toBe('boot-test-1');
  });

  it.each([
    ['attestation', 'post', '/v1/customers/0d4b7b1e-8f8e-4c54-9a0e-6a7c2e1f5d22/agreements'],
    ['audit', 'get', '/v1/audit/events'],
  ] as const)('%s: refuses %s %s without a bearer token (401)', async (name, method, path) => {
    const res = await running.get(name)!.http()[method](path);
    expect(res.status).toBe(401);
    expect(res.body).toMatchObject({ code: 610002, errorName: 'Unauthorized' });
  });
});
