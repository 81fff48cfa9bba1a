import { ArgumentMetadata, HttpStatus, ValidationPipe } from '@nestjs/common';
import type { ValidationError } from 'class-validator';
import { assertStorableInput } from '../http/unstorable-text';
import { ApiError } from './api-error';
import { ErrorCodes } from './error-codes';

/** Past this many problems the description stops listing them: the caller fixes the first ones first. */
const MAX_LISTED_PROBLEMS = 20;

interface FieldProblem {
  field: string;
  messages: string[];
}

function collectProblems(errors: readonly ValidationError[], parentPath: string, into: FieldProblem[]): void {
  for (const error of errors) {
    const path = error.property
      ? parentPath
        ? `${parentPath}.${error.property}`
        : error.property
      : parentPath;
    const messages = Object.values(error.constraints ?? {});
    if (messages.length > 0) into.push({ field: path || '(body)', messages });
    if (error.children?.length) collectProblems(error.children, path, into);
  }
}

/**
 * The 400 for a request that fails class-validator: which fields are wrong and how. It never echoes
 * a value: the pipe keeps values out of the errors, and class-validator's messages do not quote them
 * (a DTO must not use `$value` in a custom message).
 */
export function invalidRequestBody(errors: readonly ValidationError[]): ApiError {
  const problems: FieldProblem[] = [];
  collectProblems(errors, '', problems);
  const listed = problems
    .slice(0, MAX_LISTED_PROBLEMS)
    .map((problem) => `${problem.field}: ${problem.messages.join(', ')}`);
  const more =
    problems.length > MAX_LISTED_PROBLEMS ? `; and ${problems.length - MAX_LISTED_PROBLEMS} more` : '';
  const fields = [...new Set(problems.map((problem) => problem.field))];
  return new ApiError(
    HttpStatus.BAD_REQUEST,
    ErrorCodes.InvalidRequestBody,
    'InvalidRequestBody',
    `The request is invalid. ${listed.join('; ')}${more}.`,
    { fields: fields.join(',') },
  );
}

/**
 * Path and query parameters reach SQL too: a NUL or an unpaired surrogate in one is refused (400)
 * before any parameter pipe or handler sees it, as the body is right after the body parser.
 */
class PlatformValidationPipe extends ValidationPipe {
  override transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    if (metadata.type === 'param') assertStorableInput(value, 'path', metadata.data ?? '');
    if (metadata.type === 'query') assertStorableInput(value, 'query', metadata.data ?? '');
    return super.transform(value, metadata);
  }
}

/** The validation every HTTP edge uses: unknown properties are refused, and bodies become DTO instances. */
export function createValidationPipe(): ValidationPipe {
  return new PlatformValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    transform: true,
    validationError: { target: false, value: false },
    exceptionFactory: (errors) => invalidRequestBody(errors),
  });
}
