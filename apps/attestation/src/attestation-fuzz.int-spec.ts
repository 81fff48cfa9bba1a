import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import { randomUUID } from 'crypto';
import fc from 'fast-check';
import type { QueryResult } from 'pg';
import { Topics, validateEvent } from '@app/contracts';
import { runSql, sql, table } from '@app/messaging';
import { bearer, hostileValue as junk, mostlyValid, usuallyAbsent } from '@app/testing';
import { AttestAgreementDto } from './attest/attest-agreement.dto';
import { CLOCK_SKEW_MS } from './attest/attestation-rules';
import {
  attestationBody,
  CLOUD_AGREEMENT_TEMPLATE,
  givenCustomerCreated,
  givenPartnerRegistered,
  MCA_TEMPLATE,
} from './attestation.fixtures';
import { attest, givenAttestationService, recordedSince, topicEnds } from './attestation.harness';
import { ATTESTATION_SCHEMA } from './config';

const RUNS = 2000;

const maybe = <T>(valid: fc.Arbitrary<T>) => mostlyValid(valid, 20);
const printable = (maxLength: number, minLength = 0) =>
  fc.string({ minLength, maxLength }).filter((s) => /^[\x20-\x7e]*$/.test(s));
const optional = usuallyAbsent;

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

/**
 * What a recorded attestation implies, whatever the request was: the oracle of the rules a 201 must
 * have passed. (What must be refused is told by the capability specs; a generated request is too
 * often wrong in several ways at once to predict which refusal it gets.)
 */
function brokenRulesOfAccepted(
  input: { target: { partnerId: string; path: string }; roles: readonly string[]; body: unknown },
  related: (partnerId: string, customer: string) => boolean,
  answeredAt: number,
): string[] {
  const body = (input.body ?? {}) as Record<string, any>;
  const broken: string[] = [];
  const dateAgreed = typeof body.dateAgreed === 'string' ? Date.parse(body.dateAgreed) : NaN;
  if (!(dateAgreed >= Date.parse('2000-01-01T00:00:00Z') && dateAgreed <= answeredAt + CLOCK_SKEW_MS))
    broken.push('A-02 dateAgreed');
  const email = body.primaryContact?.email;
  if (typeof email !== 'string' || !/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(email)) broken.push('A-03 email');
  if (String(body.templateId).toLowerCase() !== MCA_TEMPLATE || body.type !== 'MicrosoftCustomerAgreement')
    broken.push('A-04/T-06 template');
  if (!input.roles.some((role) => role === 'AdminAgent' || role === 'SalesAgent')) broken.push('A-05 role');
  if (!related(input.target.partnerId, decodeURIComponent(input.target.path).toLowerCase()))
    broken.push('A-06/A-07/A-17 partner and customer');
  return broken;
}

describe('property: whatever reaches POST /v1/customers/{id}/agreements, only a request that keeps the rules is recorded, a recorded one sent again changes nothing, and nothing is 5xx', () => {
  const sut = givenAttestationService('attestation-fuzz');
  const seeded: Seeded[] = [];

  beforeAll(async () => {
    for (const [type, cloud] of [
      ['DirectBill', 'Public'],
      ['IndirectProvider', 'Public'],
      ['IndirectReseller', 'Public'],
      ['DirectBill', 'China21Vianet'],
    ] as const) {
      const partnerId = randomUUID();
      await givenPartnerRegistered(sut.producer, partnerId, type, cloud);
      const customers = [randomUUID(), randomUUID()];
      for (const c of customers) await givenCustomerCreated(sut.producer, partnerId, c);
      seeded.push({ partnerId, customers });
    }
    // The seeded facts are applied before the run starts: a valid body for a related pair is accepted.
    const first = seeded[0];
    expect((await attest(sut, first.partnerId, first.customers[0], attestationBody())).status).toBe(201);
  });

  it(`A-02..A-08, A-13, A-17: ${RUNS} generated requests`, async () => {
    const attestations = table(ATTESTATION_SCHEMA, 'attestations');
    const count = async (statement: ReturnType<typeof sql>) =>
      (await runSql<QueryResult<{ n: number }>>(sut.pg, statement)).rows[0].n;
    const rowsBefore = await count(sql`SELECT count(*)::int AS n FROM ${attestations}`);
    const since = await topicEnds([Topics.AgreementsAcceptance]);
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
    // Of the seeded partners only the first two, public and not indirect resellers, may attest.
    const related = (partnerId: string, customer: string) =>
      seeded.slice(0, 2).some((s) => s.partnerId === partnerId && s.customers.includes(customer));

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
          // Often enough a role that may not attest with an otherwise acceptable request, for the A-05 oracle.
          roles: fc.oneof(
            { weight: 3, arbitrary: fc.constantFrom(['AdminAgent'], ['SalesAgent']) },
            {
              weight: 2,
              arbitrary: fc.subarray([
                'AdminAgent',
                'SalesAgent',
                'HelpdeskAgent',
                'Auditor',
                'PlatformAdmin',
                'Customer',
              ]),
            },
          ),
          requestId: fc.option(fc.oneof(fc.uuid(), fc.constantFrom('retry-1', 'retry-2'), printable(140))),
          correlationId: fc.option(printable(140)),
          asRawText: fc.boolean(),
          body,
        }),
        async (input) => {
          const send = (requestId: string | null) => {
            const req = sut
              .http()
              .post(`/v1/customers/${input.target.path}/agreements`)
              .set('Authorization', token);
            if (requestId !== null) req.set('MS-RequestId', requestId);
            if (input.correlationId !== null) req.set('MS-CorrelationId', input.correlationId);
            req.set('Content-Type', 'application/json');
            return req.send(
              input.asRawText && typeof input.body === 'string' ? input.body : JSON.stringify(input.body),
            );
          };
          const token = await tokenFor(input.target.partnerId, input.roles);
          const res = await send(input.requestId);
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
            expect(brokenRulesOfAccepted(input, related, Date.now())).toEqual([]);
            // the same body again is an exact repeat: the record, and nothing new. (Under an
            // MS-RequestId the 201 may be the replay of an earlier answer whose record is superseded.)
            if (input.requestId === null) {
              const repeat = await send(null);
              expect([repeat.status, repeat.body]).toEqual([200, res.body]);
            }
          }
          if (res.status < 300 && input.requestId !== null) {
            // a retry under the same MS-RequestId gets the first answer byte for byte.
            const retry = await send(input.requestId);
            expect([retry.status, retry.text]).toEqual([res.status, res.text]);
          }
        },
      ),
      { numRuns: RUNS },
    );

    process.stdout.write(
      `attestation fuzz: statuses ${JSON.stringify(Object.fromEntries(statuses))}\n${JSON.stringify([...codes].sort((a, b) => b[1] - a[1]).slice(0, 15))}\n`,
    );
    // Enough requests get through (about 55 of 2000) to exercise recording, superseding and replays.
    expect(statuses.get(201) ?? 0).toBeGreaterThan(25);
    const rowsAfter = await count(sql`SELECT count(*)::int AS n FROM ${attestations}`);
    expect(rowsAfter - rowsBefore).toBe(created.size);
    expect(
      await count(
        sql`SELECT count(*)::int AS n FROM ${table(ATTESTATION_SCHEMA, 'requests')} WHERE status IS NULL`,
      ),
    ).toBe(0);

    // Every stored row would pass the HTTP validation again and makes a valid event.
    const { rows } = await runSql<QueryResult>(
      sut.pg,
      sql`SELECT id, partner_id, customer_tenant_id, agreement_type, template_id, date_agreed, user_id, attested_by,
                 primary_contact
            FROM ${attestations}`,
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

    // Published exactly what was created, once each, and every event is valid: counted once the
    // recorder has read every partition to its end, so no late duplicate is still on its way.
    const published = (await recordedSince(sut, since)).filter(
      (m) => m.json?.producer === 'attestation' && created.has(m.json?.data?.attestationId),
    );
    expect(published.map((m) => m.json.data.attestationId).sort()).toEqual([...created].sort());
    for (const message of published) {
      expect(validateEvent(message.json, { topic: Topics.AgreementsAcceptance })).toMatchObject({ ok: true });
    }
    expect(await count(sql`SELECT count(*)::int AS n FROM ${table(ATTESTATION_SCHEMA, 'outbox')}`)).toBe(0);
  });
});
