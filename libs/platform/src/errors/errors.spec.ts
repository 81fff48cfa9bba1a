import { Body, ConsoleLogger, Controller, Get, HttpStatus, Post } from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { Type } from 'class-transformer';
import { IsEmail, IsInt, IsISO8601, IsString, Min, ValidateNested } from 'class-validator';
import request from 'supertest';
import { Public } from '../auth/auth.decorators';
import { CorrelationId, RequestId } from '../http/request-context';
import { createPlatformTestApp } from '../testing/platform-test-app';
import { ApiError } from './api-error';
import { toApiError } from './api-exception.filter';
import { ErrorCodes } from './error-codes';

class ContactDto {
  @IsString()
  firstName: string;

  @IsEmail()
  email: string;
}

class LineDto {
  @IsInt()
  @Min(1)
  quantity: number;
}

class AttestDto {
  @IsISO8601()
  dateAgreed: string;

  @ValidateNested()
  @Type(() => ContactDto)
  primaryContact: ContactDto;

  @ValidateNested({ each: true })
  @Type(() => LineDto)
  lineItems: LineDto[];
}

@Public()
@Controller('probe')
class ProbeController {
  @Post('attest')
  attest(@Body() body: AttestDto) {
    return { isDto: body instanceof AttestDto, contactIsDto: body.primaryContact instanceof ContactDto };
  }

  @Get('ids')
  ids(@CorrelationId() correlationId: string, @RequestId() requestId?: string) {
    return { correlationId, requestId: requestId ?? null };
  }

  @Get('domain-error')
  domainError() {
    throw new ApiError(HttpStatus.BAD_REQUEST, 600002, 'DateAgreedInFuture', 'dateAgreed is in the future.', {
      field: 'dateAgreed',
    });
  }

  @Get('crash')
  crash() {
    throw new Error('connection to db.internal:5432 refused');
  }
}

class CapturingLogger extends ConsoleLogger {
  readonly lines: string[] = [];
  protected override printMessages(messages: unknown[], context?: string, logLevel?: string): void {
    this.lines.push(`${logLevel} ${context} ${JSON.stringify(messages)}`);
  }
}

const validBody = {
  dateAgreed: '2026-11-01T00:00:00Z',
  primaryContact: { firstName: 'Ada', email: 'ada@contoso.example' },
  lineItems: [{ quantity: 2 }],
};

describe('errors, validation and correlation', () => {
  let app: NestExpressApplication;
  const logger = new CapturingLogger();

  beforeAll(async () => {
    app = await createPlatformTestApp([ProbeController], undefined, logger);
  });
  afterAll(() => app.close());

  const post = (body: string | object) =>
    request(app.getHttpServer())
      .post('/probe/attest')
      .set('Content-Type', 'application/json')
      .send(typeof body === 'string' ? body : JSON.stringify(body));

  it('turns a valid body into the DTO', async () => {
    await post(validBody).expect(201, { isDto: true, contactIsDto: true });
  });

  it('answers a validation failure with 610001, naming the fields without echoing values', async () => {
    const response = await post({
      dateAgreed: 'yesterday-ish',
      primaryContact: { firstName: 'Ada', email: 'not-an-email-address' },
      lineItems: [{ quantity: 0 }],
      extra: 'surplus-value',
    }).expect(400);
    expect(response.body).toEqual({
      code: 610001,
      errorName: 'InvalidRequestBody',
      description: expect.any(String),
      isRetryable: false,
      parameters: { fields: expect.any(String) },
    });
    expect(response.body.parameters.fields.split(',').sort()).toEqual([
      'dateAgreed',
      'extra',
      'lineItems.0.quantity',
      'primaryContact.email',
    ]);
    expect(response.body.description).toContain('primaryContact.email: email must be an email');
    expect(response.body.description).toContain('extra: property extra should not exist');
    for (const value of ['yesterday-ish', 'not-an-email-address', 'surplus-value']) {
      expect(JSON.stringify(response.body)).not.toContain(value);
    }
  });

  it('answers malformed JSON with 400 MalformedJson, quoting none of it', async () => {
    const response = await post('{"dateAgreed": "secret-ish-text",').expect(400);
    expect(response.body).toMatchObject({ code: ErrorCodes.MalformedJson, errorName: 'MalformedJson' });
    expect(JSON.stringify(response.body)).not.toContain('secret-ish-text');
    expect(response.headers['ms-correlationid']).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('answers a body over the limit with 413', async () => {
    const response = await post({ ...validBody, padding: 'x'.repeat(300 * 1024) }).expect(413);
    expect(response.body).toMatchObject({ code: ErrorCodes.PayloadTooLarge, errorName: 'PayloadTooLarge' });
  });

  it('answers an unknown route with 404 NotFound', async () => {
    const response = await request(app.getHttpServer()).get('/nowhere').expect(404);
    expect(response.body).toMatchObject({ code: 610004, errorName: 'NotFound', isRetryable: false });
    expect(response.headers['ms-correlationid']).toBeDefined();
  });

  it('renders an ApiError as it is', async () => {
    const response = await request(app.getHttpServer())
      .get('/probe/domain-error')
      .set('MS-CorrelationId', 'corr-123')
      .expect(400);
    expect(response.body).toEqual({
      code: 600002,
      errorName: 'DateAgreedInFuture',
      description: 'dateAgreed is in the future.',
      isRetryable: false,
      parameters: { field: 'dateAgreed' },
    });
    expect(response.headers['ms-correlationid']).toBe('corr-123');
  });

  it('hides an unexpected error behind a generic 500 and logs it without the body', async () => {
    const response = await request(app.getHttpServer())
      .get('/probe/crash')
      .set('MS-CorrelationId', 'c-500')
      .expect(500);
    expect(response.body).toEqual({
      code: 610000,
      errorName: 'InternalError',
      description: expect.stringContaining('MS-CorrelationId'),
      isRetryable: true,
      parameters: {},
    });
    expect(JSON.stringify(response.body)).not.toContain('db.internal');
    const logged = logger.lines.join('\n');
    expect(logged).toContain('db.internal:5432 refused');
    expect(logged).toContain('"correlationId":"c-500"');
  });

  it('logs refused bodies too, by route pattern, without the body', async () => {
    await post('{"firstName": "Grace",').expect(400);
    const line = logger.lines.filter((l) => l.startsWith('log HttpAccess')).pop();
    expect(line).toContain('POST (unmatched) 400');
    expect(line).not.toContain('Grace');
  });

  it('echoes a valid MS-CorrelationId and passes MS-RequestId on', async () => {
    const response = await request(app.getHttpServer())
      .get('/probe/ids')
      .set('MS-CorrelationId', 'any printable id: 42')
      .set('MS-RequestId', '9f1c2d3e-0000-4000-8000-000000000001')
      .expect(200);
    expect(response.body).toEqual({
      correlationId: 'any printable id: 42',
      requestId: '9f1c2d3e-0000-4000-8000-000000000001',
    });
    expect(response.headers['ms-correlationid']).toBe('any printable id: 42');
  });

  it('generates a correlation id when the one sent is unusable', async () => {
    const response = await request(app.getHttpServer())
      .get('/probe/ids')
      .set('MS-CorrelationId', 'x'.repeat(129))
      .expect(200);
    expect(response.body.correlationId).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    );
    expect(response.headers['ms-correlationid']).toBe(response.body.correlationId);
  });

  it('refuses an unusable MS-RequestId rather than dropping it', async () => {
    const response = await request(app.getHttpServer())
      .get('/probe/ids')
      .set('MS-RequestId', 'r'.repeat(200))
      .expect(400);
    expect(response.body).toMatchObject({
      code: ErrorCodes.InvalidHeader,
      parameters: { header: 'MS-RequestId' },
    });
    expect(response.headers['ms-correlationid']).toBeDefined();
  });
});

describe('toApiError', () => {
  it('maps a BadRequestException of a default ValidationPipe to 610001', async () => {
    const { BadRequestException } = await import('@nestjs/common');
    const error = toApiError(new BadRequestException(['email must be an email', 'name should not be empty']));
    expect(error.body).toMatchObject({ code: 610001, parameters: { fields: 'email,name' } });
  });

  it('maps Nest exceptions by status', async () => {
    const { ConflictException, ForbiddenException } = await import('@nestjs/common');
    expect(toApiError(new ConflictException('already there')).body).toMatchObject({
      code: ErrorCodes.Conflict,
      errorName: 'Conflict',
      description: 'already there',
    });
    expect(toApiError(new ForbiddenException()).getStatus()).toBe(403);
  });
});
