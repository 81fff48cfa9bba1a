import { Controller, Get } from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';
import request from 'supertest';
import { Public } from '../auth/auth.decorators';
import { createPlatformTestApp } from '../testing/platform-test-app';
import { ReadinessRegistry } from './readiness.registry';

@Public()
@Controller('probe')
class ProbeController {
  @Get('customers/:customerTenantId')
  customer() {
    return { ok: true };
  }
}

describe('health and metrics', () => {
  let app: NestExpressApplication;
  let readiness: ReadinessRegistry;
  let databaseUp = true;

  beforeAll(async () => {
    app = await createPlatformTestApp([ProbeController]);
    readiness = app.get(ReadinessRegistry);
    readiness.register('database', async () => databaseUp);
    readiness.register('kafka', async () => undefined);
  });
  afterAll(() => app.close());

  it('is live without a token', async () => {
    await request(app.getHttpServer()).get('/health/live').expect(200, { status: 'ok' });
  });

  it('is ready when every check passes', async () => {
    databaseUp = true;
    await request(app.getHttpServer())
      .get('/health/ready')
      .expect(200, { status: 'ok', checks: { database: 'ok', kafka: 'ok' } });
  });

  it('answers 503 naming the check that fails', async () => {
    databaseUp = false;
    const response = await request(app.getHttpServer()).get('/health/ready').expect(503);
    expect(response.body).toEqual({
      status: 'unavailable',
      checks: { database: 'failed', kafka: 'ok' },
      failed: ['database'],
    });
  });

  it('serves Prometheus text with the request histogram by route pattern', async () => {
    await request(app.getHttpServer())
      .get('/probe/customers/0f3c6a4e-2f5b-4c1d-9a8e-7b6d5c4b3a21')
      .expect(200);
    const response = await request(app.getHttpServer()).get('/metrics').expect(200);
    expect(response.headers['content-type']).toMatch(/^text\/plain/);
    expect(response.text).toContain('# TYPE http_request_duration_seconds histogram');
    expect(response.text).toMatch(
      /http_request_duration_seconds_count\{service="attestation",method="GET",route="\/probe\/customers\/:customerTenantId",status="200"\} 1/,
    );
    expect(response.text).toContain('process_cpu_user_seconds_total');
  });

  it('serves the OpenAPI document at /docs-json', async () => {
    const response = await request(app.getHttpServer()).get('/docs-json').expect(200);
    expect(response.body.components.securitySchemes.bearer).toMatchObject({ type: 'http', scheme: 'bearer' });
    expect(response.body.paths['/health/ready']).toBeDefined();
    expect(response.body.paths['/metrics']).toBeUndefined();
  });
});

describe('ReadinessRegistry', () => {
  it('fails a check that throws, returns false or takes too long', async () => {
    const registry = new ReadinessRegistry();
    registry.register('throws', async () => {
      throw new Error('down');
    });
    registry.register('false', async () => false);
    registry.register('slow', () => new Promise<void>(() => undefined));
    registry.register('fine', async () => true);
    await expect(registry.check(50)).resolves.toEqual({
      ready: false,
      checks: { throws: 'failed', false: 'failed', slow: 'timed out', fine: 'ok' },
    });
  });

  it('is ready with no checks, and refuses a name twice', async () => {
    const registry = new ReadinessRegistry();
    await expect(registry.check()).resolves.toEqual({ ready: true, checks: {} });
    registry.register('db', async () => true);
    expect(() => registry.register('db', async () => true)).toThrow(/already registered/);
  });
});
