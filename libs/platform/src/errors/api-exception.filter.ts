import { ArgumentsHost, Catch, ExceptionFilter, HttpException, HttpStatus, Logger } from '@nestjs/common';
import type { Request, Response } from 'express';
import { fromBodyParserError } from '../http/body-parser-errors';
import { CORRELATION_ID_HEADER, resolveCorrelationId } from '../http/request-context';
import { routePattern } from '../logging/access-log.middleware';
import { serializeError } from '../logging/json-logger';
import { ApiError } from './api-error';
import { ErrorCodes, type PlatformErrorName } from './error-codes';

const BY_STATUS: Partial<Record<number, PlatformErrorName>> = {
  400: 'BadRequest',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'NotFound',
  405: 'MethodNotAllowed',
  406: 'NotAcceptable',
  409: 'Conflict',
  413: 'PayloadTooLarge',
  415: 'UnsupportedMediaType',
  422: 'UnprocessableEntity',
  429: 'TooManyRequests',
  503: 'ServiceUnavailable',
};

const GENERIC_INTERNAL_ERROR =
  'Something went wrong on our side. Try again; if it keeps failing, contact support with the MS-CorrelationId of this response.';

function platformError(
  status: number,
  name: PlatformErrorName,
  description: string,
  retryable = false,
): ApiError {
  return new ApiError(status, ErrorCodes[name], name, description, {}, retryable);
}

/** The message of a Nest HttpException, when it carries one meant for the caller. */
function httpExceptionMessage(exception: HttpException): string {
  const response = exception.getResponse();
  if (typeof response === 'string') return response;
  const message = (response as { message?: unknown }).message;
  if (typeof message === 'string') return message;
  if (Array.isArray(message)) return message.filter((m) => typeof m === 'string').join('; ');
  return exception.message;
}

/**
 * The SQLSTATE of a PostgreSQL error, as pg throws it (`DatabaseError`) or TypeORM wraps it
 * (`QueryFailedError.driverError`); undefined for anything else.
 */
export function sqlStateOf(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const { driverError } = error as { driverError?: unknown };
  const source = (typeof driverError === 'object' && driverError !== null ? driverError : error) as {
    code?: unknown;
    severity?: unknown;
  };
  return typeof source.code === 'string' && /^[0-9A-Z]{5}$/.test(source.code) && 'severity' in source
    ? source.code
    : undefined;
}

/**
 * Class 22, data exception: PostgreSQL refused a value it was given (invalid text representation,
 * value too long, out of range, untranslatable character, …). Our statements take values only as
 * parameters, so the value came from the input: the caller's error, not ours.
 */
function isDataException(exception: unknown): boolean {
  return sqlStateOf(exception)?.startsWith('22') ?? false;
}

/* SQLSTATEs of a database that is not there for a moment: class 08 (connection exception), 53300 (too many
 * connections), 57P01..57P03 (an administrator's shutdown, a crash shutdown, cannot connect now). */
const DATABASE_AWAY_STATES = /^(08...|53300|57P0[123])$/;
/* What pg and its pool throw when the connection is gone or cannot be had, before any SQLSTATE. */
const DATABASE_AWAY_MESSAGES =
  /Connection terminated|terminating connection|timeout exceeded when trying to connect|Client has encountered a connection error|ECONNREFUSED|ECONNRESET|the database system is (starting up|shutting down|in recovery mode)/;

/**
 * The database went away under the request (a restart, a failover, a dropped connection): the request may be sent
 * again, so the caller gets 503 ServiceUnavailable with Retry-After, not a 500. A failure the service could not be
 * sure to have rolled back is not among these: those surface as their own 503s (PublicationPending).
 */
export function isDatabaseAway(exception: unknown): boolean {
  const state = sqlStateOf(exception);
  if (state) return DATABASE_AWAY_STATES.test(state);
  // Duck-typed: a socket's errors are made by Node itself, outside the realm of a test runner's `Error`.
  if (typeof exception !== 'object' || exception === null) return false;
  const { code, message, driverError } = exception as {
    code?: unknown;
    message?: unknown;
    driverError?: unknown;
  };
  const causeMessage = (driverError as { message?: unknown } | undefined)?.message;
  return (
    code === 'ECONNREFUSED' ||
    code === 'ECONNRESET' ||
    (typeof message === 'string' && DATABASE_AWAY_MESSAGES.test(message)) ||
    (typeof causeMessage === 'string' && DATABASE_AWAY_MESSAGES.test(causeMessage))
  );
}

/** Seconds a caller waits before sending a request again after the database went away. */
export const DATABASE_AWAY_RETRY_AFTER_SECONDS = 2;

function databaseAway(): ApiError {
  return new ApiError(
    HttpStatus.SERVICE_UNAVAILABLE,
    ErrorCodes.ServiceUnavailable,
    'ServiceUnavailable',
    `The service lost its database for a moment. Send the request again in ${DATABASE_AWAY_RETRY_AFTER_SECONDS} seconds (Retry-After), with the same MS-RequestId.`,
    {},
    true,
  );
}

function unacceptableValue(): ApiError {
  return new ApiError(
    HttpStatus.BAD_REQUEST,
    ErrorCodes.UnacceptableValue,
    'UnacceptableValue',
    'A value in the request was not acceptable (wrong form, too long or out of range): check the values against the API description and send the request again.',
  );
}

/** Whatever was thrown, as the error the caller gets. Exported for tests. */
export function toApiError(exception: unknown): ApiError {
  if (exception instanceof ApiError) return exception;
  if (isDataException(exception)) return unacceptableValue();
  if (isDatabaseAway(exception)) return databaseAway();
  if (!(exception instanceof HttpException)) {
    return (
      fromBodyParserError(exception) ??
      platformError(HttpStatus.INTERNAL_SERVER_ERROR, 'InternalError', GENERIC_INTERNAL_ERROR, true)
    );
  }
  const status = exception.getStatus();
  const parserError = fromBodyParserError(exception.cause);
  if (parserError) return parserError;
  const response = exception.getResponse() as { message?: unknown };
  if (status === HttpStatus.BAD_REQUEST && Array.isArray(response?.message)) {
    return defaultValidationError(response.message.filter((m): m is string => typeof m === 'string'));
  }
  if (status >= 500) {
    return status === HttpStatus.SERVICE_UNAVAILABLE
      ? platformError(status, 'ServiceUnavailable', httpExceptionMessage(exception), true)
      : platformError(status, 'InternalError', GENERIC_INTERNAL_ERROR, true);
  }
  return platformError(status, BY_STATUS[status] ?? 'BadRequest', httpExceptionMessage(exception));
}

/**
 * A BadRequestException from a `ValidationPipe` that is not ours: its messages start with the
 * property path ("email must be an email").
 */
function defaultValidationError(messages: string[]): ApiError {
  const fields = [...new Set(messages.map((message) => message.split(' ')[0]))];
  return new ApiError(
    HttpStatus.BAD_REQUEST,
    ErrorCodes.InvalidRequestBody,
    'InvalidRequestBody',
    `The request is invalid. ${messages.join('; ')}.`,
    { fields: fields.join(',') },
  );
}

/**
 * Every error leaves in Partner Center's shape with the `MS-CorrelationId` header. What we did not
 * expect is logged (method, route, correlation id, error; never the body) and answered with a 500
 * that says nothing of its cause. A value PostgreSQL refuses (class 22) is the caller's 400.
 */
@Catch()
export class ApiExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger('ApiExceptionFilter');

  catch(exception: unknown, host: ArgumentsHost): void {
    if (host.getType() !== 'http') throw exception;
    const request = host.switchToHttp().getRequest<Request>();
    const response = host.switchToHttp().getResponse<Response>();
    const correlationId = resolveCorrelationId(request);
    const error = toApiError(exception);
    const status = error.getStatus();

    if (isDataException(exception)) {
      // A gap in the validation in front of the database: worth fixing, so logged; the message is
      // not, as PostgreSQL's quotes the value it refused.
      this.logger.warn(`Input refused by the database on ${request.method} ${routePattern(request)}`, {
        correlationId,
        sqlState: sqlStateOf(exception),
      });
    } else if (isDatabaseAway(exception)) {
      this.logger.warn(
        `Database unavailable during ${request.method} ${routePattern(request)}: answered 503`,
        {
          correlationId,
          sqlState: sqlStateOf(exception),
        },
      );
      response.setHeader('Retry-After', String(DATABASE_AWAY_RETRY_AFTER_SECONDS));
    } else if (status >= 500 && !(exception instanceof ApiError)) {
      this.logger.error(`Unhandled error on ${request.method} ${routePattern(request)}`, {
        correlationId,
        status,
        error: exception instanceof Error ? serializeError(exception) : String(exception),
      });
    }
    if (response.headersSent) {
      // Part of the answer (a streamed export) is out: cut the connection so the client sees it is incomplete.
      this.logger.warn(`Response cut short by an error on ${request.method} ${routePattern(request)}`, {
        correlationId,
      });
      response.destroy();
      return;
    }
    response.setHeader(CORRELATION_ID_HEADER, correlationId);
    if (status === HttpStatus.UNAUTHORIZED) response.setHeader('WWW-Authenticate', 'Bearer');
    response.status(status).json(error.body);
  }
}
