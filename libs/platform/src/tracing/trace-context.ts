import {
  context,
  Context,
  createContextKey,
  propagation,
  ROOT_CONTEXT,
  trace,
  type TextMapGetter,
} from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';

/**
 * What every log line written in a unit of work (an HTTP request, a message's handling) carries without being
 * passed by hand: its correlation id. The trace and span ids come from the active span, when tracing is on.
 */
export interface LogFields {
  correlationId?: string;
}

const LOG_FIELDS = createContextKey('acceptance-gate.log-fields');

let contextInstalled = false;

/**
 * The process's context manager (AsyncLocalStorage): the one carrier of a unit of work's log fields and, when
 * tracing is on, of its span. Installed whether tracing is on or not (the log fields need it); idempotent.
 */
export function installContextManager(): void {
  if (contextInstalled) return;
  const manager = new AsyncLocalStorageContextManager().enable();
  // False when one was registered first (by an OpenTelemetry SDK started around us): that one carries ours too.
  if (!context.setGlobalContextManager(manager)) manager.disable();
  contextInstalled = true;
}

/** The active context with these log fields added to those already there. */
export function withLogFields(fields: LogFields, parent: Context = context.active()): Context {
  const current = parent.getValue(LOG_FIELDS) as LogFields | undefined;
  return parent.setValue(LOG_FIELDS, { ...current, ...fields });
}

/** The fields of the current unit of work for a log line: correlation id, and trace and span ids when traced. */
export function currentLogFields(): Record<string, string> {
  const active = context.active();
  const fields = (active.getValue(LOG_FIELDS) as LogFields | undefined) ?? {};
  const out: Record<string, string> = {};
  if (fields.correlationId) out.correlationId = fields.correlationId;
  const span = trace.getSpanContext(active);
  if (span && trace.isSpanContextValid(span)) {
    out.traceId = span.traceId;
    out.spanId = span.spanId;
  }
  return out;
}

type HeaderValue = Buffer | string | (Buffer | string)[] | undefined;

const kafkaHeaderGetter: TextMapGetter<Record<string, HeaderValue>> = {
  keys: (carrier) => Object.keys(carrier),
  get: (carrier, key) => {
    const value = carrier[key];
    if (value === undefined) return undefined;
    if (Array.isArray(value)) return value.map((v) => v.toString());
    return value.toString();
  },
};

/** The trace context a message carries in its headers (`traceparent`, W3C), as a parent; ROOT when it has none. */
export function contextFromHeaders(headers: Record<string, HeaderValue> | undefined): Context {
  if (!headers) return ROOT_CONTEXT;
  return propagation.extract(ROOT_CONTEXT, headers, kafkaHeaderGetter);
}

/** The header value of a message as text, whatever kafkajs handed over. */
export function headerText(
  headers: Record<string, HeaderValue> | undefined,
  name: string,
): string | undefined {
  const value = headers?.[name];
  if (value === undefined) return undefined;
  return (Array.isArray(value) ? value[0] : value)?.toString();
}

const HANDLING = createContextKey('acceptance-gate.messages-being-handled');

/**
 * The context with the trace contexts of the messages a consumer is handling now, by event id: a consumer that
 * handles a chunk of messages in one effect writes the events each one causes under that message's own trace
 * (see `traceHeaders`). One map per consumer, shared by its partitions' chunks.
 */
export function withMessagesBeingHandled(messages: ReadonlyMap<string, Context>, parent: Context): Context {
  return parent.setValue(HANDLING, messages);
}

/**
 * The headers that carry the current trace onto an event written now (`traceparent`, and `tracestate` when
 * there is one): the trace of the message that caused it (`causationId`) when that one is being handled, else
 * the active one. Empty when tracing is off.
 */
export function traceHeaders(causationId?: string | null): Record<string, string> {
  const headers: Record<string, string> = {};
  const active = context.active();
  const handling = active.getValue(HANDLING) as ReadonlyMap<string, Context> | undefined;
  const cause = causationId ? handling?.get(causationId) : undefined;
  propagation.inject(cause ?? active, headers);
  return headers;
}
