import { Controller, Get } from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';
import request from 'supertest';
import { createPlatformTestApp, TEST_JWT_SECRET, testConfig } from '../testing/platform-test-app';
import { Public } from './auth.decorators';
import { signHs256Token } from './dev-token';

const PARTNER_A = '0f3c6a4e-2f5b-4c1d-9a8e-7b6d5c4b3a21';
const PARTNER_B = '5b4a3c2d-1e0f-4a9b-8c7d-6e5f4a3b2c1d';
const USER = '11111111-2222-4333-8444-555555555555';

@Controller('probe')
class ProbeController {
  @Get('one')
  one() {
    return { ok: true };
  }

  @Get('two')
  two() {
    return { ok: true };
  }

  @Public()
  @Get('page')
  page() {
    return { ok: true };
  }
}

describe('S-09: per-partner rate limits', () => {
  let app: NestExpressApplication;
  const tokenOf = (tid: string) => signHs256Token(TEST_JWT_SECRET, { tid, oid: USER, roles: ['AdminAgent'] });
  const call = async (status: number, path: string, tid?: string) => {
    const req = request(app.getHttpServer()).get(path);
    if (tid) req.set('Authorization', `Bearer ${await tokenOf(tid)}`);
    return req.expect(status);
  };

  beforeAll(async () => {
    app = await createPlatformTestApp(
      [ProbeController],
      testConfig({ RATE_LIMIT_PER_PARTNER_PER_MINUTE: '3', RATE_LIMIT_PER_ADDRESS_PER_MINUTE: '2' }),
    );
  });
  afterAll(() => app.close());

  it('S-09: past its limit a partner gets 429 with Retry-After in Partner Center shape; another partner does not', async () => {
    // One budget across every route of the service.
    await call(200, '/probe/one', PARTNER_A);
    await call(200, '/probe/two', PARTNER_A);
    await call(200, '/probe/one', PARTNER_A);
    const refused = await call(429, '/probe/two', PARTNER_A);
    const retryAfter = Number(refused.headers['retry-after']);
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect(refused.body).toEqual({
      code: 610032,
      errorName: 'RateLimitExceeded',
      description: expect.stringContaining('at most 3 a minute'),
      isRetryable: true,
      parameters: { retryAfterSeconds: String(retryAfter), limitPerMinute: '3' },
    });
    expect(refused.headers['ms-correlationid']).toBeDefined();

    await call(200, '/probe/one', PARTNER_B);
  });

  it('S-09: limits calls without a valid token by client address, bad tokens included', async () => {
    await call(200, '/probe/page');
    await request(app.getHttpServer()).get('/probe/one').set('Authorization', 'Bearer not-a-jwt').expect(401);
    const refused = await call(429, '/probe/page');
    expect(refused.headers['retry-after']).toBeDefined();
    expect(refused.body.description).toContain('this address');
  });

  it('S-09: never limits health and metrics', async () => {
    for (let i = 0; i < 10; i++) {
      await request(app.getHttpServer()).get('/health/live').expect(200);
      await request(app.getHttpServer()).get('/metrics').expect(200);
    }
  });
});

describe('S-09: a limit of 0', () => {
  it('turns the limit off', async () => {
    const app = await createPlatformTestApp(
      [ProbeController],
      testConfig({ RATE_LIMIT_PER_PARTNER_PER_MINUTE: '0' }),
    );
    try {
      const token = await signHs256Token(TEST_JWT_SECRET, {
        tid: PARTNER_A,
        oid: USER,
        roles: ['AdminAgent'],
      });
      for (let i = 0; i < 20; i++) {
        await request(app.getHttpServer())
          .get('/probe/one')
          .set('Authorization', `Bearer ${token}`)
          .expect(200);
      }
    } finally {
      await app.close();
    }
  });
});
