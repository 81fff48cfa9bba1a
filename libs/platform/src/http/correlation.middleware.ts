import { HttpStatus, Injectable, NestMiddleware } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { ApiError } from '../errors/api-error';
import { ErrorCodes } from '../errors/error-codes';
import {
  acceptableId,
  CORRELATION_ID_HEADER,
  REQUEST_ID_HEADER,
  resolveCorrelationId,
} from './request-context';

/**
 * Settles `request.correlationId` and `request.requestId` and echoes `MS-CorrelationId`. A bad
 * `MS-RequestId` is refused rather than ignored: dropping an idempotency key would let a retry
 * act twice.
 */
@Injectable()
export class CorrelationMiddleware implements NestMiddleware {
  use(request: Request, response: Response, next: NextFunction): void {
    response.setHeader(CORRELATION_ID_HEADER, resolveCorrelationId(request));
    const rawRequestId = request.headers[REQUEST_ID_HEADER.toLowerCase()];
    if (rawRequestId !== undefined) {
      const requestId = acceptableId(rawRequestId);
      if (requestId === undefined) {
        throw new ApiError(
          HttpStatus.BAD_REQUEST,
          ErrorCodes.InvalidHeader,
          'InvalidHeader',
          `${REQUEST_ID_HEADER} must be 1 to 128 printable ASCII characters (a GUID is best); send it once.`,
          { header: REQUEST_ID_HEADER },
        );
      }
      request.requestId = requestId;
    }
    next();
  }
}
