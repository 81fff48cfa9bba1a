import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import { randomUUID } from 'crypto';
import fc from 'fast-check';
import { Producer } from 'kafkajs';
import { Client } from 'pg';
import { Topics, validateEvent } from '@app/contracts';
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
import { AttestAgreementDto } from './attest/attest-agreement.dto';
import { AttestationModule } from './attestation.module';
import {
  attestationBody,
  CLOUD_AGREEMENT_TEMPLATE,
  givenCustomerCreated,
  givenPartnerRegistered,
  MCA_TEMPLATE,
} from './attestation.fixtures';

const RUNS = 2000;

/** Values a hostile or careless client may put anywhere. */
const junk = fc.oneof(
  fc.constantFrom(
    null,
    true,
    0,
    -1,
    1e308,
    '',
    ' ',
    '\u0000',
    'a\u0000b',
    '\ud800',
    '\u202e',
    '<script>',
    "'; DROP TABLE x; --",
    '%00',
  ),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.string({ maxLength: 300 }),
  fc.integer(),
  fc.double(),
  fc.array(fc.string(), { maxLength: 3 }),
  fc.dictionary(fc.string({ maxLength: 5 }), fc.string({ maxLength: 5 }), { maxKeys: 3 }),
);
const maybe = <T>(valid: fc.Arbitrary<T>) =>
  fc.oneof({ arbitrary: valid, weight: 20 }, { arbitrary: junk, weight: 1 });
const printable = (maxLength: number, minLength = 0) =>
  fc.string({ minLength, maxLength }).filter((s) => /^[\x20-\x7e]*$/.test(s));
/** A field that is usually absent: present, it is valid or junk. */
const optional = <T>(valid: fc.Arbitrary<T>) =>
  fc.oneof(
    { weight: 4, arbitrary: fc.constant(undefined) },
    { weight: 2, arbitrary: valid },
    { weight: 1, arbitrary: junk },
  );

const dates = fc.oneof(
  {
    weight: 10,
    arbitrary: fc
      .date({
        min: new Date('1998-01-01T00:00:00Z'),
        max: new Date(Date.now() + 86400000),
        noInvalidDate: true,
      })
      .map((d) => d.toISOString()),
  },
  fc.constantFrom(
    '2025-02-30T00:00:00Z',
    '2025-01-01T24:00:00Z',
    '0000-01-01T00:00:00Z',
    '9999-12-31T23:59:59Z',
    '2025-01-01T00:00:00+14:00',
  ),
);

const contact = fc.record({
  firstName: maybe(fc.string({ unit: 'binary', minLength: 1, maxLength: 40 })),
  lastName: maybe(fc.string({ minLength: 1, maxLength: 20 })),
  email: maybe(
    fc.oneof(
      { weight: 6, arbitrary: fc.constantFrom('ada@contoso.example', 'grace.hopper+csp@fabrikam.example') },
      fc.emailAddress(),
      fc.constantFrom('x@y', '@', 'a@b.c\u0000', '\ud800@contoso.example'),
    ),
  ),
  phoneNumber: optional(printable(20, 1)),
});

const body = fc.oneof(
  {
    weight: 12,
    arbitrary: fc.record({
      primaryContact: maybe(contact),
      dateAgreed: maybe(dates),
      templateId: maybe(
        fc.oneof(
          { weight: 8, arbitrary: fc.constant(MCA_TEMPLATE) },
          fc.constantFrom(MCA_TEMPLATE.toUpperCase(), CLOUD_AGREEMENT_TEMPLATE),
          fc.uuid(),
        ),
      ),
      type: maybe(
        fc.oneof(
          { weight: 8, arbitrary: fc.constant('MicrosoftCustomerAgreement') },
          fc.constantFrom('MicrosoftCloudAgreement', 'microsoftcustomeragreement'),
        ),
      ),
      attestedBy: optional(fc.string({ unit: 'binary', minLength: 1, maxLength: 60 })),
      userId: optional(fc.uuid()),
      extra: fc.oneof({ weight: 8, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: junk }),
    }),
  },
  { weight: 1, arbitrary: junk },
);

interface Seeded {
  partnerId: string;
  customers: string[];
}

describe('property: whatever reaches POST /v1/customers/{id}/agreements, nothing is 5xx and nothing invalid is kept or published', () => {
  const kafka = testKafka('attestation-fuzz');
  let db: TestDatabase;
  let service: RunningService;
  let pg: Client;
  let producer: Producer;
  let recorder: TopicRecorder;
  const seeded: Seeded[] = [];

  beforeAll(async () => {
    db = await createTestDatabase('attestation_fuzz');
    service = await startService('attestation', (c) => AttestationModule.forRoot(c, {}, {}), {
      databaseUrl: db.url,
      groupPrefix: uniqueGroupPrefix('attestation-fuzz'),
    });
    pg = new Client({ connectionString: db.url });
    await pg.connect();
    producer = await connectedProducer(kafka);
    recorder = await new TopicRecorder(kafka, [Topics.AgreementsAcceptance]).start();
    for (const [type, cloud] of [
      ['DirectBill', 'Public'],
      ['IndirectProvider', 'Public'],
      ['IndirectReseller', 'Public'],
      ['DirectBill', 'China21Vianet'],
    ] as const) {
      const partnerId = randomUUID();
      await givenPartnerRegistered(producer, partnerId, type, cloud);
      const customers = [randomUUID(), randomUUID()];
      for (const c of customers) await givenCustomerCreated(producer, partnerId, c);
      seeded.push({ partnerId, customers });
    }
    // The seeded facts are applied before the run starts: a valid body for a related pair is accepted.
    const first = seeded[0];
    const res = await service
      .http()
      .post(`/v1/customers/${first.customers[0]}/agreements`)
      .set('Authorization', await bearer({ tenantId: first.partnerId, roles: ['AdminAgent'] }))
      .send(attestationBody());
    expect(res.status).toBe(201);
  });

  afterAll(async () => {
    await recorder?.stop();
    await producer?.disconnect();
    await pg?.end();
    await service?.close();
    await db?.drop();
  });

  it(`A-01..A-08, A-13, A-17: ${RUNS} generated requests`, async () => {
    const count = async (sql: string) => (await pg.query(sql)).rows[0].n as number;
    const rowsBefore = await count(`SELECT count(*)::int AS n FROM attestation.attestations`);
    const created = new Set<string>();
    const statuses = new Map<number, number>();
    const codes = new Map<string, number>();
    const tokens = new Map<string, string>();
    const tokenFor = async (tenantId: string, roles: readonly string[]) => {
      const key = `${tenantId}|${roles.join(',')}`;
      if (!tokens.has(key)) tokens.set(key, await bearer({ tenantId, roles: [...roles] }));
      return tokens.get(key)!;
    };
    const partners = seeded.map((s) => s.partnerId);
    const customers = seeded.flatMap((s) => s.customers);
    const pairs = seeded.flatMap((s) => s.customers.map((path) => ({ partnerId: s.partnerId, path })));

    await fc.assert(
      fc.asyncProperty(
        fc.record({
          target: fc.oneof(
            { weight: 8, arbitrary: fc.constantFrom(...pairs) },
            {
              weight: 3,
              arbitrary: fc.record({
                partnerId: fc.oneof(fc.constantFrom(...partners), fc.uuid()),
                path: fc.oneof(
                  fc.constantFrom(...customers),
                  fc.constantFrom(...customers).map((c) => c.toUpperCase()),
                  fc.uuid(),
                  fc.string({ unit: 'binary', maxLength: 60 }).map(encodeURIComponent),
                ),
              }),
            },
          ),
          roles: fc.oneof(
            { weight: 3, arbitrary: fc.constantFrom(['AdminAgent'], ['SalesAgent']) },
            fc.subarray([
              'AdminAgent',
              'SalesAgent',
              'HelpdeskAgent',
              'Auditor',
              'PlatformAdmin',
              'Customer',
            ]),
          ),
          requestId: fc.option(fc.oneof(fc.uuid(), fc.constantFrom('retry-1', 'retry-2'), printable(140))),
          correlationId: fc.option(printable(140)),
          asRawText: fc.boolean(),
          body,
        }),
        async (input) => {
          const req = service
            .http()
            .post(`/v1/customers/${input.target.path}/agreements`)
            .set('Authorization', await tokenFor(input.target.partnerId, input.roles));
          if (input.requestId !== null) req.set('MS-RequestId', input.requestId);
          if (input.correlationId !== null) req.set('MS-CorrelationId', input.correlationId);
          req.set('Content-Type', 'application/json');
          const payload =
            input.asRawText && typeof input.body === 'string' ? input.body : JSON.stringify(input.body);
          const res = await req.send(payload);
          statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
          const code = `${res.status}:${res.body?.code}:${res.body?.parameters?.fields ?? res.body?.parameters?.header ?? ''}`;
          codes.set(code, (codes.get(code) ?? 0) + 1);
          expect(res.status).toBeLessThan(500);
          if (res.status >= 400) {
            expect(res.body).toEqual(
              expect.objectContaining({
                code: expect.any(Number),
                errorName: expect.any(String),
                description: expect.any(String),
              }),
            );
          } else if (res.status === 201) {
            created.add(res.body.id);
          }
        },
      ),
      { numRuns: RUNS },
    );

    process.stdout.write(
      `attestation fuzz: statuses ${JSON.stringify(Object.fromEntries(statuses))}\n${JSON.stringify([...codes].sort((a, b) => b[1] - a[1]).slice(0, 15))}\n`,
    );
    // Enough requests get through to exercise recording, superseding and replays.
    expect(statuses.get(201) ?? 0).toBeGreaterThan(50);
    const rowsAfter = await count(`SELECT count(*)::int AS n FROM attestation.attestations`);
    expect(rowsAfter - rowsBefore).toBe(created.size);
    expect(await count(`SELECT count(*)::int AS n FROM attestation.requests WHERE status IS NULL`)).toBe(0);

    // Every stored row would pass the HTTP validation again and makes a valid event.
    const { rows } = await pg.query(
      `SELECT id, partner_id, customer_tenant_id, agreement_type, template_id, date_agreed, user_id, attested_by, primary_contact
         FROM attestation.attestations`,
    );
    for (const row of rows) {
      const dto = plainToInstance(AttestAgreementDto, {
        primaryContact: row.primary_contact,
        dateAgreed: row.date_agreed.toISOString(),
        templateId: row.template_id,
        type: row.agreement_type,
        ...(row.attested_by !== null ? { attestedBy: row.attested_by } : {}),
      });
      expect(validateSync(dto, { whitelist: true, forbidNonWhitelisted: true })).toEqual([]);
      expect(partners.slice(0, 2)).toContain(row.partner_id);
    }

    // Published exactly what was created, once each, and every event is valid.
    const mine = () =>
      recorder
        .on(Topics.AgreementsAcceptance)
        .filter((m) => m.json?.producer === 'attestation' && created.has(m.json?.data?.attestationId));
    await eventually(() => expect(mine()).toHaveLength(created.size), { timeoutMs: 30000 });
    for (const message of mine()) {
      expect(validateEvent(message.json, { topic: Topics.AgreementsAcceptance })).toMatchObject({ ok: true });
    }
    expect(await count(`SELECT count(*)::int AS n FROM attestation.outbox`)).toBe(0);
  });
});
