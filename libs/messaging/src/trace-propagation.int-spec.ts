import { context, propagation, ROOT_CONTEXT, trace } from '@opentelemetry/api';
import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace';
import { randomUUID } from 'crypto';
import { EntityManager } from 'typeorm';
import { buildEnvelope, EVENT_HEADERS, EventEnvelope, Topics } from '@app/contracts';
import { startTracing, stopTracing } from '@app/platform';
import { eventually } from '@app/testing';
import { ValidatedMessage } from './consumers';
import { givenMessagingDatabase, SCHEMA, templatePublished } from './messaging.harness';
import { enqueueEvents, stageEvents } from './outbox';
import { OutboxRelay } from './outbox-relay';

/** The event a handler writes for a message it applies: caused by it, on another topic. */
function causedBy(message: ValidatedMessage): EventEnvelope {
  return buildEnvelope(
    'AgreementTemplatePublished',
    { ...(message.envelope.data as object) },
    { producer: 'attestation', causationId: message.envelope.eventId },
  ) as EventEnvelope;
}

describe('W3C trace context through the outbox, the relay and the consumers (real broker and database)', () => {
  const exporter = new InMemorySpanExporter();
  const bed = givenMessagingDatabase('messaging_tracing', [Topics.AgreementsTemplates]);
  const tracer = trace.getTracer('messaging-test');

  beforeAll(() =>
    startTracing('messaging-test', { spanProcessors: [new SimpleSpanProcessor({ exporter })] }),
  );
  afterAll(() => stopTracing());

  async function outboxHeaders(ids: readonly string[]): Promise<Map<string, Record<string, string>>> {
    const rows: Array<{ id: string; headers: Record<string, string> }> = await bed
      .dataSource()
      .query(`SELECT id, headers FROM ${SCHEMA}.outbox WHERE id = ANY($1)`, [ids]);
    return new Map(rows.map((r) => [r.id, r.headers]));
  }

  it('the outbox row keeps the traceparent of the transaction that wrote it, and the relay sends it in the headers', async () => {
    const span = tracer.startSpan('request', {}, ROOT_CONTEXT);
    const envelope = templatePublished();
    const key = randomUUID();
    const [id] = await context.with(trace.setSpan(ROOT_CONTEXT, span), () =>
      bed
        .dataSource()
        .transaction((m) => enqueueEvents(m, SCHEMA, [{ topic: Topics.AgreementsTemplates, key, envelope }])),
    );
    span.end();
    const traceparent = `00-${span.spanContext().traceId}-${span.spanContext().spanId}-01`;
    expect((await outboxHeaders([id])).get(id)).toMatchObject({ traceparent });

    const relay = new OutboxRelay(bed.dataSource(), bed.producer(), { schema: SCHEMA });
    await relay.drain();
    const sent = await eventually(() => {
      const mine = bed
        .recorder()
        .on(Topics.AgreementsTemplates)
        .find((m) => m.key === key);
      expect(mine).toBeDefined();
      return mine!;
    });
    expect(sent.headers).toMatchObject({ traceparent, [EVENT_HEADERS.id]: envelope.eventId });
  });

  it('a consumer handling a chunk writes each event under the trace of the message that caused it', async () => {
    const written: string[] = [];
    const runner = await bed.startedRunner({
      name: 'templates-trace-test',
      input: 'validated',
      topics: [Topics.AgreementsTemplates],
      delivery: {
        kind: 'batches',
        size: 50,
        handleBatch: async (messages, manager: EntityManager) => {
          const rows = await stageEvents(
            manager,
            SCHEMA,
            messages.map((m) => ({ topic: Topics.OrdersDecided, key: m.key!, envelope: causedBy(m) })),
          );
          written.push(...rows.map((r) => r.id));
        },
      },
      handle: async (message, manager: EntityManager) => {
        const rows = await stageEvents(manager, SCHEMA, [
          { topic: Topics.OrdersDecided, key: message.key!, envelope: causedBy(message) },
        ]);
        written.push(...rows.map((r) => r.id));
      },
    });

    // Three messages of three traces on one partition, there before the consumer fetches again: one chunk.
    runner.pause();
    const key = randomUUID();
    const senders = [1, 2, 3].map(() => tracer.startSpan('sender', {}, ROOT_CONTEXT));
    const envelopes = senders.map(() => templatePublished());
    await bed.producer().send({
      topic: Topics.AgreementsTemplates,
      messages: envelopes.map((envelope, i) => {
        const headers: Record<string, string> = {
          [EVENT_HEADERS.id]: envelope.eventId,
          [EVENT_HEADERS.correlationId]: envelope.correlationId,
        };
        propagation.inject(trace.setSpan(ROOT_CONTEXT, senders[i]), headers);
        return { key, value: JSON.stringify(envelope), headers };
      }),
    });
    senders.forEach((s) => s.end());
    runner.resume();

    await eventually(() => expect(written.length).toBeGreaterThanOrEqual(3), { timeoutMs: 30000 });
    const rows: Array<{ payload: string; headers: Record<string, string> }> = await bed
      .dataSource()
      .query(`SELECT payload, headers FROM ${SCHEMA}.outbox WHERE id = ANY($1)`, [written]);
    const traceOfCause = new Map(
      rows.map((r) => [
        (JSON.parse(r.payload) as EventEnvelope).causationId,
        r.headers.traceparent?.split('-')[1],
      ]),
    );
    envelopes.forEach((envelope, i) =>
      expect(traceOfCause.get(envelope.eventId)).toBe(senders[i].spanContext().traceId),
    );

    // Each message was handled in a span of its own, a child of its sender's; the chunk in one linked to all three.
    const handled = exporter
      .getFinishedSpans()
      .filter((s) => s.name === `${Topics.AgreementsTemplates} process`);
    const own = senders.map((sender) =>
      handled.find((h) => h.parentSpanContext?.spanId === sender.spanContext().spanId),
    );
    own.forEach((span) => expect(span).toBeDefined());
    const chunk = handled.find((s) =>
      own.every((o) => s.links.some((l) => l.context.spanId === o?.spanContext().spanId)),
    );
    expect(chunk?.attributes['messaging.batch.message_count']).toBe(3);
  });
});
