import { Controller, Get } from '@nestjs/common';
import { NestExpressApplication } from '@nestjs/platform-express';
import { Client } from 'pg';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { Public } from '../auth/auth.decorators';
import { createPlatformTestApp } from '../testing/platform-test-app';
import { isDatabaseAway, toApiError } from './api-exception.filter';

/*
 * Found by the fault campaign (npm run chaos): when PostgreSQL restarted, requests in flight answered 500
 * InternalError. The database going away is no fault of the request nor a bug: the caller is told 503
 * ServiceUnavailable with Retry-After, and sends it again (S-07, docs/contract.md: 503 ... isRetryable).
 */
const url = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

/** A real connection whose server process is terminated, as a restart or a failover terminates it. */
async function terminatedQueryError(): Promise<unknown> {
  const victim = new Client({ connectionString: url });
  victim.on('error', () => undefined);
  await victim.connect();
  const { rows } = await victim.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
  const admin = new Client({ connectionString: url });
  await admin.connect();
  await admin.query('SELECT pg_terminate_backend($1)', [rows[0].pid]);
  await admin.end();
  return victim.query('SELECT 1').then(
    () => undefined,
    (err: unknown) => err,
  );
}

@Public()
@Controller('probe')
class AwayController {
  @Get('away')
  async away() {
    throw await terminatedQueryError();
  }

  /** A statement in flight through TypeORM when its server process is terminated. */
  @Get('typeorm-away')
  async typeormAway() {
    const dataSource = await new DataSource({ type: 'postgres', url, poolSize: 1 }).initialize();
    try {
      const marker = `away-${process.pid}-${Date.now()}`;
      const running = dataSource.query(`SELECT pg_sleep(5) /* ${marker} */`);
      running.catch(() => undefined);
      const admin = new Client({ connectionString: url });
      await admin.connect();
      for (let i = 0; i < 50; i++) {
        const { rowCount } = await admin.query(
          `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE query LIKE $1 AND pid <> pg_backend_pid()`,
          [`%${marker}%`],
        );
        if (rowCount) break;
        await new Promise((r) => setTimeout(r, 20));
      }
      await admin.end();
      await running;
    } finally {
      await dataSource.destroy().catch(() => undefined);
    }
  }
}

describe('S-07: a database that goes away under a request answers 503 with Retry-After, never 500', () => {
  let app: NestExpressApplication;
  beforeAll(async () => {
    app = await createPlatformTestApp([AwayController]);
  });
  afterAll(() => app.close());

  it('recognises a terminated connection and a refused one as the database being away', async () => {
    expect(isDatabaseAway(await terminatedQueryError())).toBe(true);
    const refused = await new Client({ connectionString: 'postgres://postgres@127.0.0.1:1/none' })
      .connect()
      .then(
        () => undefined,
        (err: unknown) => err,
      );
    expect(isDatabaseAway(refused)).toBe(true);
    expect(toApiError(refused).getStatus()).toBe(503);
    // A value the database refused stays the caller's 400, and an unknown failure stays a 500.
    expect(isDatabaseAway(new Error('connection to db.internal:5432 refused'))).toBe(false);
  });

  it.each(['/probe/away', '/probe/typeorm-away'])(
    'GET %s answers 503 ServiceUnavailable, retryable, with Retry-After',
    async (path) => {
      const response = await request(app.getHttpServer()).get(path).expect(503);
      expect(response.headers['retry-after']).toBe('2');
      expect(response.body).toMatchObject({
        code: 610013,
        errorName: 'ServiceUnavailable',
        isRetryable: true,
      });
    },
  );
});
