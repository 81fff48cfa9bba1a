import { HttpException, HttpStatus } from '@nestjs/common';
import { ErrorCodes } from './error-codes';

/** The error body every API answers with: Partner Center's shape. */
export interface ApiErrorBody {
  code: number;
  errorName: string;
  description: string;
  isRetryable: boolean;
  parameters: Record<string, string>;
}

/** An error meant for the caller: rendered as is, in Partner Center's shape, by the exception filter. */
export class ApiError extends HttpException {
  readonly code: number;
  readonly errorName: string;
  readonly description: string;
  readonly parameters: Record<string, string>;
  readonly isRetryable: boolean;

  constructor(
    status: number,
    code: number,
    errorName: string,
    description: string,
    parameters: Record<string, string> = {},
    isRetryable = false,
  ) {
    const body: ApiErrorBody = { code, errorName, description, isRetryable, parameters };
    super(body, status);
    this.code = code;
    this.errorName = errorName;
    this.description = description;
    this.parameters = parameters;
    this.isRetryable = isRetryable;
  }

  get body(): ApiErrorBody {
    return {
      code: this.code,
      errorName: this.errorName,
      description: this.description,
      isRetryable: this.isRetryable,
      parameters: this.parameters,
    };
  }

  static unauthorized(description: string): ApiError {
    return new ApiError(HttpStatus.UNAUTHORIZED, ErrorCodes.Unauthorized, 'Unauthorized', description);
  }

  static forbidden(description: string, parameters?: Record<string, string>): ApiError {
    return new ApiError(HttpStatus.FORBIDDEN, ErrorCodes.Forbidden, 'Forbidden', description, parameters);
  }

  static notFound(description: string, parameters?: Record<string, string>): ApiError {
    return new ApiError(HttpStatus.NOT_FOUND, ErrorCodes.NotFound, 'NotFound', description, parameters);
  }
}
