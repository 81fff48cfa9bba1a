import { ConsoleLogger, type LogLevel } from '@nestjs/common';
import { LOG_LEVELS, type ServiceName } from '../config';
import { currentLogFields } from '../tracing/trace-context';
import { redact } from './redact';

/** `level` and every more severe level. */
export function logLevelsFrom(level: LogLevel): LogLevel[] {
  return LOG_LEVELS.slice(LOG_LEVELS.indexOf(level));
}

/** The fields of a record every line has: what a call's own fields may not overwrite. */
const RESERVED_FIELDS = ['level', 'pid', 'timestamp', 'message', 'context', 'stack', 'service'];

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object') return false;
  const prototype = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}

export function serializeError(error: Error): Record<string, unknown> {
  return { name: error.name, message: error.message, stack: error.stack };
}

/**
 * Splits what a logger call got into the message and the record's fields: plain objects after the
 * message become fields (`logger.log('GET /x 200', { status: 200 })`), errors an `error` field.
 */
function toRecordParts(messages: unknown[]): { message: unknown; fields: Record<string, unknown> } {
  const [first, ...rest] = messages;
  const fields: Record<string, unknown> = {};
  const details: unknown[] = [];
  for (const part of rest) {
    if (isPlainObject(part)) {
      for (const [key, value] of Object.entries(part)) {
        fields[key] = value instanceof Error ? serializeError(value) : value;
      }
    } else if (part instanceof Error) fields.error = serializeError(part);
    else details.push(part);
  }
  if (details.length > 0) fields.details = details;
  if (first instanceof Error) {
    fields.error ??= serializeError(first);
    return { message: first.message, fields };
  }
  return { message: first, fields };
}

/** Nest's console logger in JSON mode, one line per call, each naming the service. */
class ServiceJsonLogger extends ConsoleLogger {
  constructor(
    private readonly service: string,
    logLevels: LogLevel[],
  ) {
    super({ json: true, logLevels });
  }

  protected override printMessages(
    messages: unknown[],
    context = '',
    logLevel: LogLevel = 'log',
    writeStreamType?: 'stdout' | 'stderr',
    errorStack?: unknown,
  ): void {
    const { message, fields } = toRecordParts(messages);
    const base = this.getJsonLogObject(redact(message), { context, logLevel, writeStreamType, errorStack });
    const own = Object.fromEntries(
      Object.entries(redact(fields)).filter(([key]) => !RESERVED_FIELDS.includes(key)),
    );
    const line = this.stringifyJsonLogObject({
      ...base,
      service: this.service,
      ...currentLogFields(),
      ...own,
    });
    process[writeStreamType ?? 'stdout'].write(`${line}\n`);
  }
}

/**
 * The service's logger: one JSON line per call with `level`, `timestamp`, `service`, `context`,
 * `message`, the correlation id and trace ids of the request or message being handled (see
 * `currentLogFields`), and the fields of the plain objects passed after the message, personal data masked
 * (see `redact`). Log fields as `logger.log('what happened', { correlationId, … })`.
 */
export function createJsonLogger(service: ServiceName | string, level: LogLevel = 'log'): ConsoleLogger {
  return new ServiceJsonLogger(service, logLevelsFrom(level));
}
