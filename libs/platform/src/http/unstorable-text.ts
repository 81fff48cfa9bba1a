import { HttpStatus } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { ApiError } from '../errors/api-error';
import { ErrorCodes } from '../errors/error-codes';

/**
 * NUL, which PostgreSQL cannot hold in text or jsonb, and unpaired UTF-16 surrogate halves, which
 * are not Unicode at all (the driver would turn them into U+FFFD, jsonb refuses them).
 */
const UNSTORABLE = /\0|\p{Cs}/u;

/** No request body of ours nests anywhere near this deep; deeper ones only exhaust the stack. */
export const MAX_JSON_DEPTH = 32;

/** Field paths in an error are cut here: property names are the caller's, and may be huge. */
const MAX_FIELD_LENGTH = 200;

export type InputLocation = 'body' | 'query' | 'path';

export interface InputProblem {
  /** Where in the input: `companyProfile.companyName`, `lineItems.0.offerId`, `(body)`. */
  field: string;
  kind: 'text' | 'depth';
}

export function isUnstorableText(value: string): boolean {
  return UNSTORABLE.test(value);
}

function join(parent: string, key: string): string {
  return parent ? `${parent}.${key}` : key;
}

/**
 * The first string (value or property name) in `value` that PostgreSQL cannot store or that is not
 * valid Unicode, or the first place nested deeper than `MAX_JSON_DEPTH`. Iterative: a 256 kB body
 * may nest a hundred thousand levels.
 */
export function findUnstorableInput(value: unknown, root = ''): InputProblem | undefined {
  const stack: Array<{ value: unknown; path: string; depth: number }> = [{ value, path: root, depth: 0 }];
  while (stack.length > 0) {
    const { value: current, path, depth } = stack.pop()!;
    if (typeof current === 'string') {
      if (isUnstorableText(current)) return { field: path, kind: 'text' };
      continue;
    }
    if (current === null || typeof current !== 'object') continue;
    if (depth >= MAX_JSON_DEPTH) return { field: path, kind: 'depth' };
    if (Array.isArray(current)) {
      for (let i = current.length - 1; i >= 0; i--) {
        stack.push({ value: current[i], path: join(path, String(i)), depth: depth + 1 });
      }
      continue;
    }
    for (const [key, item] of Object.entries(current)) {
      if (isUnstorableText(key)) return { field: path, kind: 'text' };
      stack.push({ value: item, path: join(path, key), depth: depth + 1 });
    }
  }
  return undefined;
}

/** The 400 for an input that holds a string no field may hold, naming the field, never the value. */
export function unacceptableInputError(location: InputLocation, problem: InputProblem): ApiError {
  const field =
    (problem.field.length > MAX_FIELD_LENGTH
      ? `${problem.field.slice(0, MAX_FIELD_LENGTH)}…`
      : problem.field) || `(${location})`;
  if (problem.kind === 'depth') {
    return new ApiError(
      HttpStatus.BAD_REQUEST,
      ErrorCodes.InputTooDeep,
      'InputTooDeep',
      `The request ${location} nests deeper than ${MAX_JSON_DEPTH} levels at ${field}: no field of this API does.`,
      { in: location, field },
    );
  }
  return new ApiError(
    HttpStatus.BAD_REQUEST,
    ErrorCodes.InvalidCharacters,
    'InvalidCharacters',
    `${field} (${location}) holds a NUL character (\\u0000) or an unpaired UTF-16 surrogate, which no field accepts: remove it and send the request again.`,
    { in: location, field },
  );
}

/** Throws the 400 when `value` (a body, the query, one path parameter) holds what no field may. */
export function assertStorableInput(value: unknown, location: InputLocation, name = ''): void {
  const problem = findUnstorableInput(value, name);
  if (problem) throw unacceptableInputError(location, problem);
}

/**
 * Express middleware, mounted right after the JSON body parser: every body of every route, whether
 * or not its handler validates it, is refused before it reaches a handler or the database.
 */
export function refuseUnstorableBodies(request: Request, _response: Response, next: NextFunction): void {
  const problem = findUnstorableInput(request.body);
  next(problem ? unacceptableInputError('body', problem) : undefined);
}
