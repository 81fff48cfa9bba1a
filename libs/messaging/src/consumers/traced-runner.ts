/**
 * Runs each slice of messages in the context of what it handles, so that the log lines written meanwhile carry
 * the message's correlation id and trace, and the events it causes carry its trace on (outbox `traceparent`).
 * A slice of one message runs in a span continuing the message's `traceparent`; a chunk runs in a span linked
 * to every message's, each message having its own span whose context the events it causes are written under
 * (see `traceHeaders`). With tracing off there are no spans: a slice of one message gets its log fields only.
 */
import { context, type Context, Link, SpanKind, trace, type Span } from '@opentelemetry/api';
import { EVENT_HEADERS } from '@app/contracts';
import {
  contextFromHeaders,
  headerText,
  serviceTracer,
  tracingEnabled,
  withLogFields,
  withMessagesBeingHandled,
} from '@app/platform';
import { InboundMessage } from './consumer-spec';
import { DeliveryRunner } from './runner-parts';

export class TracedRunner implements DeliveryRunner {
  readonly sliceSize: number;
  private readonly tracer;
  /** The messages of this consumer being handled now (every partition's), by event id. */
  private readonly handling = new Map<string, Context>();

  constructor(
    private readonly inner: DeliveryRunner,
    private readonly consumer: { service: string; groupId: string },
  ) {
    this.sliceSize = inner.sliceSize;
    this.tracer = serviceTracer(consumer.service);
  }

  async apply(messages: InboundMessage[], heartbeat: () => Promise<void>): Promise<void> {
    if (!tracingEnabled()) return this.applyUntraced(messages, heartbeat);
    const spans = messages.map((m) => this.messageSpan(m));
    try {
      const only = messages.length === 1 ? spans[0] : undefined;
      if (only) return await context.with(only.context, () => this.inner.apply(messages, heartbeat));
      const chunk = this.tracer.startSpan(`${messages[0].topic} process`, {
        kind: SpanKind.CONSUMER,
        links: spans.map((s): Link => ({ context: s.span.spanContext() })),
        attributes: this.attributes(messages[0], { 'messaging.batch.message_count': messages.length }),
      });
      try {
        const chunkContext = withMessagesBeingHandled(this.handling, trace.setSpan(context.active(), chunk));
        return await context.with(chunkContext, () => this.inner.apply(messages, heartbeat));
      } finally {
        chunk.end();
      }
    } finally {
      for (const s of spans) {
        s.span.end();
        if (s.eventId) this.handling.delete(s.eventId);
      }
    }
  }

  /** Tracing off: only the log fields, for a slice of one message (a chunk's lines carry none). */
  private applyUntraced(messages: InboundMessage[], heartbeat: () => Promise<void>): Promise<void> {
    if (messages.length !== 1) return this.inner.apply(messages, heartbeat);
    const correlationId = headerText(messages[0].headers, EVENT_HEADERS.correlationId);
    return context.with(withLogFields({ correlationId }), () => this.inner.apply(messages, heartbeat));
  }

  private messageSpan(message: InboundMessage) {
    const parent = contextFromHeaders(message.headers);
    const eventId = headerText(message.headers, EVENT_HEADERS.id);
    const span: Span = this.tracer.startSpan(
      `${message.topic} process`,
      {
        kind: SpanKind.CONSUMER,
        attributes: this.attributes(message, {
          'messaging.kafka.offset': Number(message.offset),
          ...(eventId ? { 'messaging.message.id': eventId } : {}),
        }),
      },
      parent,
    );
    const correlationId = headerText(message.headers, EVENT_HEADERS.correlationId);
    const ctx = withMessagesBeingHandled(
      this.handling,
      withLogFields({ correlationId }, trace.setSpan(parent, span)),
    );
    if (eventId) this.handling.set(eventId, ctx);
    return { span, context: ctx, eventId };
  }

  private attributes(message: InboundMessage, more: Record<string, string | number>) {
    return {
      'messaging.system': 'kafka',
      'messaging.operation.type': 'process',
      'messaging.destination.name': message.topic,
      'messaging.destination.partition.id': String(message.partition),
      'messaging.consumer.group.name': this.consumer.groupId,
      ...more,
    };
  }
}
