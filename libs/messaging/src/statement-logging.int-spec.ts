import { Controller, Get, Logger } from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { createJsonLogger, ErrorCodes, Public } from '@app/platform';
import { createPlatformTestApp } from '@app/platform/testing/platform-test-app';
import { createTestDatabase, TestDatabase } from '@app/testing';
import { serviceDataSourceOptions } from './database';

const EMAIL = 'grace.s07@fabrikam.example';
const PHONE = '+1 425 555 0107';

/*
 * S-07: a failed statement is logged with its SQLSTATE and its text, never with its parameters, and
 * a value PostgreSQL refuses (class 22) is the caller's 400. Against the real database, through the
 * services' own DataSource options and JSON logger.
 */
describe('S-07: failed statements in the logs and in the answers', () => {
  let db: TestDatabase;
  let dataSource: DataSource;
  let app: NestExpressApplication;
  const written: string[] = [];
  let spies: jest.SpyInstance[] = [];

  @Public()
  @Controller('probe')
  class ProbeController {
    @Get('uuid')
    async uuid() {
      return dataSource.query('SELECT $1::uuid AS id, $2::text AS phone', [EMAIL, PHONE]);
    }

    @Get('nul')
    async nul() {
      return dataSource.query('SELECT $1::text AS name', [`Contoso\u0000${EMAIL}`]);
    }

    @Get('too-long')
    async tooLong() {
      return dataSource.query('INSERT INTO short_contacts (email) VALUES ($1)', [EMAIL]);
    }

    @Get('missing-table')
    async missingTable() {
      return dataSource.query('SELECT * FROM no_such_table WHERE email = $1', [EMAIL]);
    }
  }

  beforeAll(async () => {
    db = await createTestDatabase('statement_logging');
    dataSource = await new DataSource(
      serviceDataSourceOptions({ url: db.url, schema: 'public', entities: [], migrations: [], poolSize: 2 }),
    ).initialize();
    await dataSource.query('CREATE TABLE short_contacts (email varchar(5))');
    app = await createPlatformTestApp([ProbeController]);
    Logger.overrideLogger(createJsonLogger('attestation', 'log'));
    const capture = (chunk: string | Uint8Array) => {
      written.push(String(chunk));
      return true;
    };
    spies = [
      jest.spyOn(process.stdout, 'write').mockImplementation(capture),
      jest.spyOn(process.stderr, 'write').mockImplementation(capture),
      ...(['log', 'info', 'warn', 'error'] as const).map((level) =>
        jest.spyOn(console, level).mockImplementation((...args: unknown[]) => {
          written.push(args.map(String).join(' '));
        }),
      ),
    ];
  });

  afterAll(async () => {
    spies.forEach((spy) => spy.mockRestore());
    Logger.overrideLogger(false);
    await app?.close();
    await dataSource?.destroy();
    await db?.drop();
  });

  beforeEach(() => {
    written.length = 0;
  });

  const logged = () => written.join('\n');

  it('S-07: logs a failed statement with its SQLSTATE and text, without its parameters', async () => {
    await expect(dataSource.query('SELECT $1::uuid, $2::text', [EMAIL, PHONE])).rejects.toThrow();
    const records = written.map((line) => JSON.parse(line));
    expect(records).toContainEqual(
      expect.objectContaining({
        level: 'warn',
        context: 'Database',
        message: 'statement failed',
        sqlState: '22P02',
        statement: 'SELECT $1::uuid, $2::text',
      }),
    );
    expect(logged()).not.toContain(EMAIL);
    expect(logged()).not.toContain(PHONE);
    expect(logged()).not.toMatch(/PARAMETERS/i);
  });

  it.each([
    ['an invalid text representation (22P02)', '/probe/uuid', '22P02'],
    ['a NUL in text (22021)', '/probe/nul', '22021'],
    ['a value too long (22001)', '/probe/too-long', '22001'],
  ])(
    'S-07: answers %s with 400, echoing nothing, logging nothing of the value',
    async (_what, path, sqlState) => {
      const response = await request(app.getHttpServer()).get(path).expect(400);
      expect(response.body).toEqual({
        code: ErrorCodes.UnacceptableValue,
        errorName: 'UnacceptableValue',
        description: expect.any(String),
        isRetryable: false,
        parameters: {},
      });
      expect(JSON.stringify(response.body)).not.toContain('fabrikam');
      expect(logged()).toContain(`"sqlState":"${sqlState}"`);
      expect(logged()).not.toContain(EMAIL);
      expect(logged()).not.toContain(PHONE);
    },
  );

  it('S-07: keeps other database errors a 500, logged without the parameters', async () => {
    const response = await request(app.getHttpServer()).get('/probe/missing-table').expect(500);
    expect(response.body).toMatchObject({ code: ErrorCodes.InternalError });
    expect(logged()).toContain('"sqlState":"42P01"');
    expect(logged()).toContain('no_such_table');
    expect(logged()).not.toContain(EMAIL);
  });
});
