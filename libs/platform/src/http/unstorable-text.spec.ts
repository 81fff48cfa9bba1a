import { Body, Controller, Get, Param, Post, Query } from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { IsOptional, IsString } from 'class-validator';
import request from 'supertest';
import { Public } from '../auth/auth.decorators';
import { toApiError } from '../errors/api-exception.filter';
import { ErrorCodes } from '../errors/error-codes';
import { createPlatformTestApp } from '../testing/platform-test-app';
import { findUnstorableInput, MAX_JSON_DEPTH } from './unstorable-text';

class CompanyDto {
  @IsString()
  companyName: string;

  @IsOptional()
  @IsString({ each: true })
  tags?: string[];
}

@Public()
@Controller('probe')
class ProbeController {
  @Post('company')
  create(@Body() body: CompanyDto) {
    return { companyName: body.companyName };
  }

  @Get('orders/:orderId')
  order(@Param('orderId') orderId: string, @Query('reason') reason?: string) {
    return { orderId, reason: reason ?? null };
  }
}

describe('S-07: text PostgreSQL cannot store is refused at the edge', () => {
  describe('findUnstorableInput', () => {
    it('finds NUL and unpaired surrogates in values and property names, at any depth', () => {
      expect(findUnstorableInput({ a: { b: ['ok', 'x\u0000y'] } })).toEqual({ field: 'a.b.1', kind: 'text' });
      expect(findUnstorableInput({ name: '\ud800' })).toEqual({ field: 'name', kind: 'text' });
      expect(findUnstorableInput({ name: 'end\udfff' })).toEqual({ field: 'name', kind: 'text' });
      expect(findUnstorableInput({ nested: { 'k\u0000': 1 } })).toEqual({ field: 'nested', kind: 'text' });
      expect(findUnstorableInput('\u0000', 'orderId')).toEqual({ field: 'orderId', kind: 'text' });
    });

    it('accepts paired surrogates, other control-free Unicode, and values of every other type', () => {
      expect(
        findUnstorableInput({ name: 'Zoë 😀 \u202e\uffff', n: 1, b: true, z: null, l: [1, 'ü'] }),
      ).toBeUndefined();
    });

    it('stops at MAX_JSON_DEPTH without recursing, however deep the value', () => {
      let deep: unknown = 'leaf';
      for (let i = 0; i < 200_000; i++) deep = [deep];
      expect(findUnstorableInput(deep)).toMatchObject({ kind: 'depth' });
      let shallow: unknown = 'leaf';
      for (let i = 0; i < MAX_JSON_DEPTH; i++) shallow = [shallow];
      expect(findUnstorableInput(shallow)).toBeUndefined();
    });
  });

  describe('over HTTP', () => {
    let app: NestExpressApplication;

    beforeAll(async () => {
      app = await createPlatformTestApp([ProbeController]);
    });
    afterAll(() => app.close());

    const post = (text: string) =>
      request(app.getHttpServer()).post('/probe/company').set('Content-Type', 'application/json').send(text);

    it.each([
      ['a NUL', '{"companyName":"Contoso\\u0000Ltd"}', 'companyName'],
      ['a lone high surrogate', '{"companyName":"\\ud83d"}', 'companyName'],
      ['a lone low surrogate in an array', '{"companyName":"x","tags":["a","\\ude00"]}', 'tags.1'],
      ['a NUL in a property name', '{"companyName":"x","\\u0000":1}', '(body)'],
    ])('answers a body with %s with 400 InvalidCharacters naming the field', async (_what, text, field) => {
      const response = await post(text).expect(400);
      expect(response.body).toEqual({
        code: ErrorCodes.InvalidCharacters,
        errorName: 'InvalidCharacters',
        description: expect.stringContaining(field),
        isRetryable: false,
        parameters: { in: 'body', field },
      });
      expect(JSON.stringify(response.body)).not.toContain('Contoso');
    });

    it('answers a body nested past the limit with 400 InputTooDeep, not a stack overflow', async () => {
      const response = await post(`{"companyName":${'['.repeat(100_000)}${']'.repeat(100_000)}}`).expect(400);
      expect(response.body).toMatchObject({ code: ErrorCodes.InputTooDeep, parameters: { in: 'body' } });
    });

    it('still takes a valid body, emoji and all', async () => {
      await post('{"companyName":"Contoso \\ud83d\\ude00"}').expect(201, { companyName: 'Contoso 😀' });
    });

    it('refuses a NUL or a broken UTF-8 sequence in a path or query parameter', async () => {
      const server = app.getHttpServer();
      const inPath = await request(server).get('/probe/orders/o-1%00').expect(400);
      expect(inPath.body).toMatchObject({
        code: ErrorCodes.InvalidCharacters,
        parameters: { in: 'path', field: 'orderId' },
      });
      const inQuery = await request(server).get('/probe/orders/o-1?reason=a%00b').expect(400);
      expect(inQuery.body).toMatchObject({
        code: ErrorCodes.InvalidCharacters,
        parameters: { in: 'query', field: 'reason' },
      });
      const surrogate = await request(server).get('/probe/orders/%ED%A0%80');
      expect(surrogate.status).toBe(400);
      expect(surrogate.body).toMatchObject({ code: expect.any(Number), errorName: expect.any(String) });
      await request(server)
        .get('/probe/orders/o-1?reason=fine')
        .expect(200, { orderId: 'o-1', reason: 'fine' });
    });
  });

  describe('PostgreSQL data exceptions (class 22) are the caller’s 400', () => {
    const pgError = (code: string) =>
      Object.assign(new Error('invalid input syntax for type uuid: "ada@contoso.example"'), {
        code,
        severity: 'ERROR',
      });

    it.each(['22P02', '22001', '22003', '22021', '22P05', '22007'])('%s → 400 UnacceptableValue', (code) => {
      const error = toApiError(pgError(code));
      expect(error.getStatus()).toBe(400);
      expect(error.body).toMatchObject({
        code: ErrorCodes.UnacceptableValue,
        errorName: 'UnacceptableValue',
      });
      expect(JSON.stringify(error.body)).not.toContain('ada@contoso.example');
    });

    it('reads the SQLSTATE through TypeORM’s QueryFailedError too', () => {
      const wrapped = Object.assign(new Error('wrapped'), { driverError: pgError('22P02') });
      expect(toApiError(wrapped).getStatus()).toBe(400);
    });

    it.each(['23505', '40001', '57014', '42P01'])('%s stays a 5xx', (code) => {
      expect(toApiError(pgError(code)).getStatus()).toBe(500);
    });

    it.each(['08006', '57P01', '53300'])('%s (the database went away) is a retryable 503', (code) => {
      expect(toApiError(pgError(code)).getStatus()).toBe(503);
    });

    it('does not take a system error code for an SQLSTATE', () => {
      expect(toApiError(Object.assign(new Error('x'), { code: '22XYZ' })).getStatus()).toBe(500);
    });
  });
});
