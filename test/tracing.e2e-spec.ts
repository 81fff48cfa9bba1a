import { context, propagation, ROOT_CONTEXT, trace, type Context } from '@opentelemetry/api';
import { InMemorySpanExporter, type ReadableSpan, SimpleSpanProcessor } from '@opentelemetry/sdk-trace';
import { randomUUID } from 'crypto';
import { Producer } from 'kafkajs';
import {
  buildEnvelope,
  CustomerTenantCreatedV1,
  EVENT_HEADERS,
  EventEnvelope,
  OrderRequestedV1,
  PartnerRegisteredV1,
  Topics,
} from '@app/contracts';
import { startTracing, stopTracing } from '@app/platform';
import {
  bearer,
  connectedProducer,
  createTestDatabase,
  eventually,
  RunningService,
  startService,
  TestDatabase,
  testKafka,
  TopicRecorder,
  uniqueGroupPrefix,
} from '@app/testing';
import { AttestationModule } from '../apps/attestation/src/attestation.module';
import { AuditModule } from '../apps/audit/src/audit.module';
import { OrderGateModule } from '../apps/order-gate/src/order-gate.module';

const MCA_TEMPLATE = '117a77b0-9360-443b-8795-c6dedc750cf9';

/** The headers our producers put on every event (docs/contract.md), with the trace of `ctx`. */
function eventHeaders(envelope: EventEnvelope, ctx: Context): Record<string, string> {
  const headers: Record<string, string> = {
    [EVENT_HEADERS.type]: envelope.eventType,
    [EVENT_HEADERS.version]: String(envelope.eventVersion),
    [EVENT_HEADERS.id]: envelope.eventId,
    [EVENT_HEADERS.correlationId]: envelope.correlationId,
  };
  propagation.inject(ctx, headers);
  return headers;
}

async function givenPartnerWithCustomer(producer: Producer, partnerId: string, customerTenantId: string) {
  const partner: PartnerRegisteredV1 = {
    partnerId,
    partnerType: 'DirectBill',
    cloud: 'Public',
    name: 'Contoso',
  };
  const customer: CustomerTenantCreatedV1 = {
    customerTenantId,
    partnerId,
    companyName: 'Contoso',
    cloud: 'Public',
    country: 'US',
  };
  await producer.send({
    topic: Topics.PartnersRelationships,
    messages: [
      {
        key: partnerId,
        value: JSON.stringify(
          buildEnvelope('PartnerRegistered', partner, { producer: 'reseller-relationship' }),
        ),
      },
      {
        key: customerTenantId,
        value: JSON.stringify(
          buildEnvelope('CustomerTenantCreated', customer, { producer: 'reseller-relationship' }),
        ),
      },
    ],
  });
}

/** The JSON log lines the services write to stdout while `work` runs. */
async function logLinesDuring(
  work: (lines: ReadonlyArray<Record<string, unknown>>) => Promise<void>,
): Promise<Array<Record<string, unknown>>> {
  const lines: Array<Record<string, unknown>> = [];
  const write = process.stdout.write.bind(process.stdout);
  const spy = jest.spyOn(process.stdout, 'write').mockImplementation(((
    chunk: string | Uint8Array,
    ...rest: never[]
  ) => {
    for (const line of chunk.toString().split('\n')) {
      if (!line.startsWith('{')) continue;
      try {
        lines.push(JSON.parse(line) as Record<string, unknown>);
      } catch {
        // not one of ours
      }
    }
    return write(chunk, ...rest);
  }) as typeof process.stdout.write);
  try {
    await work(lines);
  } finally {
    spy.mockRestore();
  }
  return lines;
}

describe('one trace from the attestation request through the gate to the audit (real broker, real database)', () => {
  const exporter = new InMemorySpanExporter();
  const kafka = testKafka('tracing-e2e');
  let db: TestDatabase;
  let attestation: RunningService;
  let gate: RunningService;
  let audit: RunningService;
  let recorder: TopicRecorder;
  let producer: Producer;

  beforeAll(async () => {
    startTracing('tracing-e2e', { spanProcessors: [new SimpleSpanProcessor({ exporter })] });
    db = await createTestDatabase('tracing_e2e');
    const common = {
      databaseUrl: db.url,
      groupPrefix: uniqueGroupPrefix('tracing'),
      env: { LOG_LEVEL: 'log' },
    };
    [audit, gate, attestation] = await Promise.all([
      startService('audit', (c) => AuditModule.forRoot(c), common),
      startService('order-gate', (c) => OrderGateModule.forRoot(c), common),
      startService('attestation', (c) => AttestationModule.forRoot(c), common),
    ]);
    recorder = await new TopicRecorder(kafka, [Topics.OrdersDecided, Topics.AgreementsAcceptance]).start();
    producer = await connectedProducer(kafka);
  }, 120000);

  afterAll(async () => {
    await producer?.disconnect();
    await recorder?.stop();
    await Promise.allSettled([attestation?.close(), gate?.close(), audit?.close()]);
    await db?.drop();
    await stopTracing();
  });

  it('the traceparent of the attestation request reaches the fact, the gate and the audit, and the order it sends reaches the decision', async () => {
    const partnerId = randomUUID();
    const customerTenantId = randomUUID();
    const correlationId = randomUUID();
    await givenPartnerWithCustomer(producer, partnerId, customerTenantId);

    // The storefront's checkout: one trace from the partner's attestation to the order it then places.
    const checkout = trace.getTracer('storefront').startSpan('checkout', {}, ROOT_CONTEXT);
    const root = trace.setSpan(ROOT_CONTEXT, checkout);
    const traceId = checkout.spanContext().traceId;
    const traced: Record<string, string> = {};
    propagation.inject(root, traced);

    const order = buildEnvelope(
      'OrderRequested',
      {
        orderId: `order-${randomUUID()}`,
        partnerId,
        customerTenantId,
        kind: 'NewPurchase',
        channel: 'Api',
        requestedAt: new Date().toISOString(),
        lineItems: [{ offerId: 'CFQ7TTC0LH18:0001', quantity: 1 }],
      } satisfies OrderRequestedV1,
      { producer: 'commerce-platform', correlationId },
    );
    let unreadableAt = '';
    const lines = await logLinesDuring(async (written) => {
      const attest = await context.with(root, async () =>
        attestation
          .http()
          .post(`/v1/customers/${customerTenantId}/agreements`)
          .set('Authorization', await bearer({ tenantId: partnerId, roles: ['AdminAgent'] }))
          .set('traceparent', traced.traceparent)
          .set('MS-CorrelationId', correlationId)
          .send({
            primaryContact: { firstName: 'Ada', lastName: 'Lovelace', email: 'ada@contoso.example' },
            dateAgreed: new Date(Date.now() - 60000).toISOString(),
            templateId: MCA_TEMPLATE,
            type: 'MicrosoftCustomerAgreement',
          }),
      );
      expect(attest.status).toBe(201);
      await producer.send({
        topic: Topics.OrdersRequested,
        messages: [
          { key: customerTenantId, value: JSON.stringify(order), headers: eventHeaders(order, root) },
        ],
      });
      // A request the gate cannot read: its dead-letter line is written while handling it.
      const unreadable = {
        ...order,
        eventId: randomUUID(),
        data: { orderId: 42 },
      } as unknown as EventEnvelope;
      const [sent] = await producer.send({
        topic: Topics.OrdersRequested,
        messages: [
          {
            key: customerTenantId,
            value: JSON.stringify(unreadable),
            headers: eventHeaders(unreadable, root),
          },
        ],
      });
      unreadableAt = `dead-lettering ${Topics.OrdersRequested}[${sent.partition}]@${sent.baseOffset} `;
      await eventually(
        () => {
          const decision = recorder
            .on(Topics.OrdersDecided)
            .find((m) => m.json?.data?.orderId === order.data.orderId);
          expect(decision).toBeDefined();
          const auditOfDecision = spansOf(exporter, 'audit', `${Topics.OrdersDecided} process`, traceId);
          expect(auditOfDecision.length).toBeGreaterThan(0);
          const deadLettered = written.some((l) => String(l.message).startsWith(unreadableAt));
          expect(deadLettered).toBe(true);
        },
        { timeoutMs: 60000 },
      );
    });
    checkout.end();

    // attestation: the request continues the storefront's trace.
    const [request] = spansOf(
      exporter,
      'attestation',
      'POST /v1/customers/:customerTenantId/agreements',
      traceId,
    );
    expect(request).toBeDefined();
    expect(request.parentSpanContext?.spanId).toBe(checkout.spanContext().spanId);

    // The fact it wrote carries the request's trace in its headers (through the outbox), as the relay sent it.
    const fact = recorder
      .on(Topics.AgreementsAcceptance)
      .find(
        (m) => m.json?.eventType === 'AgreementAttested' && m.json.data.customerTenantId === customerTenantId,
      );
    expect(fact?.headers.traceparent).toBe(`00-${traceId}-${request.spanContext().spanId}-01`);

    // The gate and the audit handle that fact in spans of the same trace, children of the request.
    for (const service of ['order-gate', 'audit']) {
      const handled = spansOf(exporter, service, `${Topics.AgreementsAcceptance} process`, traceId);
      expect(handled.map((s) => s.parentSpanContext?.spanId)).toContain(request.spanContext().spanId);
    }

    // The gate decides the order in the order's trace, and the decision carries it on to the audit.
    const [deciding] = spansOf(exporter, 'order-gate', `${Topics.OrdersRequested} process`, traceId).filter(
      (s) => s.attributes['messaging.message.id'] === order.eventId,
    );
    expect(deciding.parentSpanContext?.spanId).toBe(checkout.spanContext().spanId);
    const decision = recorder
      .on(Topics.OrdersDecided)
      .find((m) => m.json?.data?.orderId === order.data.orderId)!;
    expect(decision.headers.traceparent).toBe(`00-${traceId}-${deciding.spanContext().spanId}-01`);
    const audited = spansOf(exporter, 'audit', `${Topics.OrdersDecided} process`, traceId);
    expect(audited.map((s) => s.parentSpanContext?.spanId)).toContain(deciding.spanContext().spanId);

    // Every log line of the request and of the handling of the order carries its correlation id and trace id.
    const ofRequest = lines.filter(
      (l) => l.context === 'HttpAccess' && l.route === '/v1/customers/:customerTenantId/agreements',
    );
    expect(ofRequest).toHaveLength(1);
    expect(ofRequest[0]).toMatchObject({ correlationId, traceId, spanId: request.spanContext().spanId });
    const ofMessage = lines.filter((l) => String(l.message).startsWith(unreadableAt));
    expect(ofMessage).toHaveLength(1);
    for (const line of ofMessage) expect(line).toMatchObject({ correlationId, traceId });
  });
});

function spansOf(
  exporter: InMemorySpanExporter,
  service: string,
  name: string,
  traceId: string,
): ReadableSpan[] {
  return exporter
    .getFinishedSpans()
    .filter(
      (s) =>
        s.instrumentationScope.name === service && s.name === name && s.spanContext().traceId === traceId,
    );
}
