import { HttpStatus } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { ApiError } from '../errors/api-error';
import { ErrorCodes } from '../errors/error-codes';

interface BodyParserError {
  type: string;
  status: number;
  limit?: number;
}

function isBodyParserError(error: unknown): error is BodyParserError {
  return (
    typeof error === 'object' &&
    error !== null &&
    typeof (error as { type?: unknown }).type === 'string' &&
    typeof (error as { status?: unknown }).status === 'number'
  );
}

/**
 * The caller's error for what the body parser refused, or undefined for anything else. Its own
 * messages are not passed on: a JSON syntax error quotes the body.
 */
export function fromBodyParserError(error: unknown): ApiError | undefined {
  if (!isBodyParserError(error)) return undefined;
  switch (error.type) {
    case 'entity.parse.failed':
      return new ApiError(
        HttpStatus.BAD_REQUEST,
        ErrorCodes.MalformedJson,
        'MalformedJson',
        'The request body is not valid JSON: fix its syntax and send it again.',
      );
    case 'entity.too.large': {
      const limit = typeof error.limit === 'number' ? ` (limit: ${error.limit} bytes)` : '';
      return new ApiError(
        HttpStatus.PAYLOAD_TOO_LARGE,
        ErrorCodes.PayloadTooLarge,
        'PayloadTooLarge',
        `The request body is too large${limit}: send a smaller one.`,
      );
    }
    case 'encoding.unsupported':
    case 'charset.unsupported':
      return new ApiError(
        HttpStatus.UNSUPPORTED_MEDIA_TYPE,
        ErrorCodes.UnsupportedMediaType,
        'UnsupportedMediaType',
        'Send the body as JSON in UTF-8, without an unsupported content encoding.',
      );
    default:
      return error.status < 500
        ? new ApiError(
            error.status,
            ErrorCodes.BadRequest,
            'BadRequest',
            'The request body could not be read.',
          )
        : undefined;
  }
}

/** Express error middleware, mounted right after the body parser: turns its errors into `ApiError`s. */
export function translateBodyParserErrors(
  error: unknown,
  _request: Request,
  _response: Response,
  next: NextFunction,
) {
  next(fromBodyParserError(error) ?? error);
}
