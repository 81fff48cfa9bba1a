import { isISO31661Alpha2 } from 'class-validator';
import { randomUUID } from 'crypto';
import fc from 'fast-check';
import { bearer, hostileValue as junk, mostlyValid, usuallyAbsent } from '@app/testing';
import {
  CLOUD_AGREEMENT_TEMPLATE,
  givenCustomerCreated,
  givenPartnerRegistered,
  MCA_TEMPLATE,
} from '../attestation.fixtures';
import { givenAttestationService } from '../attestation.harness';
import {
  cancelEnhanced,
  context,
  serviceOf,
  startBody,
  startEnhanced,
  tokenOf,
  typedAs,
} from './enhanced.harness';

const RUNS = 1000;

const maybe = <T>(valid: fc.Arbitrary<T>) => mostlyValid(valid, 12);
const optional = usuallyAbsent;
const roles = fc.oneof(
  { weight: 4, arbitrary: fc.constant(['AdminAgent']) },
  { weight: 1, arbitrary: fc.subarray(['AdminAgent', 'SalesAgent', 'HelpdeskAgent', 'Auditor', 'Customer']) },
);

function expectApiError(res: { status: number; body: any }) {
  expect(res.status).toBeLessThan(500);
  if (res.status >= 400)
    expect(res.body).toEqual(
      expect.objectContaining({
        code: expect.any(Number),
        errorName: expect.any(String),
        description: expect.any(String),
      }),
    );
}

describe('property: random start and finalize bodies of the enhanced attestation never get a 5xx (E-01, E-04)', () => {
  const sut = givenAttestationService('attestation-enhanced-fuzz');
  const partnerId = randomUUID();
  const reseller = randomUUID();
  const customers = [randomUUID(), randomUUID()];

  beforeAll(async () => {
    await givenPartnerRegistered(sut.producer, partnerId, 'DirectBill');
    await givenPartnerRegistered(sut.producer, reseller, 'IndirectReseller');
    for (const c of customers) {
      await givenCustomerCreated(sut.producer, partnerId, c);
      await givenCustomerCreated(sut.producer, reseller, c);
    }
  });

  it(`E-01: ${RUNS} generated start bodies: only a valid one from an AdminAgent of a related partner is started`, async () => {
    const started = fc.record({
      customerTenantId: maybe(fc.oneof({ weight: 6, arbitrary: fc.constantFrom(...customers) }, fc.uuid())),
      country: maybe(
        fc.oneof({ weight: 4, arbitrary: fc.constantFrom('US', 'jp', 'DE') }, fc.string({ maxLength: 3 })),
      ),
      language: maybe(
        fc.oneof(
          { weight: 4, arbitrary: fc.constantFrom('en', 'en-US', 'ja-JP', 'zh-Hans-CN') },
          fc.string({ maxLength: 12 }),
        ),
      ),
      companyName: maybe(fc.string({ minLength: 1, maxLength: 220 })),
      signatoryFirstName: maybe(fc.string({ unit: 'binary', minLength: 1, maxLength: 110 })),
      signatoryLastName: maybe(fc.string({ minLength: 1, maxLength: 30 })),
      signatoryEmail: maybe(
        fc.oneof(
          { weight: 4, arbitrary: fc.constant('grace@contoso.example') },
          fc.emailAddress(),
          fc.string(),
        ),
      ),
      signatoryPhoneNumber: optional(fc.string({ minLength: 1, maxLength: 40 })),
      expiresInMinutes: optional(fc.oneof(fc.integer({ min: 5, max: 10080 }), fc.integer(), fc.double())),
      autoFinalize: optional(fc.boolean()),
      extra: fc.oneof({ weight: 8, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: junk }),
    });
    let ok = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          as: fc.constantFrom(partnerId, partnerId, reseller, randomUUID()),
          roles,
          body: fc.oneof({ weight: 12, arbitrary: started }, junk),
        }),
        async ({ as, roles: granted, body }) => {
          const res = await sut
            .http()
            .post('/v1/attestations/enhanced')
            .set('Authorization', await bearer({ tenantId: as, roles: [...granted] }))
            .set('Content-Type', 'application/json')
            .send(JSON.stringify(body));
          expectApiError(res);
          if (res.status === 201) {
            ok++;
            const b = body as Record<string, any>;
            expect(as).toBe(partnerId);
            expect(granted).toContain('AdminAgent');
            expect(isISO31661Alpha2(b.country)).toBe(true);
            const minutes = b.expiresInMinutes ?? 10080;
            expect(Number.isInteger(minutes) && minutes >= 5 && minutes <= 10080).toBe(true);
            expect(res.body).toMatchObject({ status: 'Pending', templateId: MCA_TEMPLATE });
          }
        },
      ),
      { numRuns: RUNS },
    );
    expect(ok).toBeGreaterThan(10);
  });

  it(`E-04: ${RUNS} generated finalize bodies: only an accepted attestation of the caller is finalized, and nothing is 5xx`, async () => {
    const ids: Record<string, string> = {};
    for (const state of ['pending', 'accepted', 'cancelled', 'finalizable'] as const) {
      const res = await startEnhanced(sut, partnerId, startBody(customers[0]));
      expect(res.status).toBe(201);
      ids[state] = res.body.attestationId;
      if (state === 'accepted' || state === 'finalizable')
        expect(
          (await serviceOf(sut).accept(tokenOf(res.body.acceptanceUrl), typedAs(), context)).outcome,
        ).toBe('Accepted');
      if (state === 'cancelled') expect((await cancelEnhanced(sut, partnerId, ids[state])).status).toBe(200);
    }
    const acceptedIds = [ids.accepted, ids.finalizable];
    let made = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          as: fc.constantFrom(partnerId, partnerId, reseller),
          path: fc.oneof(
            { weight: 6, arbitrary: fc.constant(customers[0]) },
            fc.constantFrom(customers[1]),
            fc.uuid(),
          ),
          body: fc.oneof(
            {
              weight: 12,
              arbitrary: fc.record({
                attestationId: maybe(
                  fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...Object.values(ids)) }, fc.uuid()),
                ),
                templateId: maybe(
                  fc.oneof(
                    { weight: 6, arbitrary: fc.constant(MCA_TEMPLATE) },
                    fc.constantFrom(CLOUD_AGREEMENT_TEMPLATE),
                    fc.uuid(),
                  ),
                ),
                type: maybe(
                  fc.constantFrom(
                    'MicrosoftCustomerAgreement',
                    'MicrosoftCustomerAgreement',
                    'MicrosoftCloudAgreement',
                  ),
                ),
                primaryContact: optional(
                  fc.constant({ firstName: 'A', lastName: 'B', email: 'a@b.example' }),
                ),
              }),
            },
            junk.map((attestationId) => ({ attestationId })),
          ),
        }),
        async ({ as, path, body }) => {
          const res = await sut
            .http()
            .post(`/v1/customers/${path}/agreements`)
            .set('Authorization', await bearer({ tenantId: as, roles: ['AdminAgent'] }))
            .send(body);
          expectApiError(res);
          if (res.status === 200 || res.status === 201) {
            made++;
            expect(acceptedIds).toContain(res.body.enhancedAttestationId);
            expect(as).toBe(partnerId);
          }
        },
      ),
      { numRuns: RUNS },
    );
    expect(made).toBeGreaterThan(0);
  });
});
