/* Test helpers of the enhanced attestation's int-specs (excluded from the build). */
import { createHash } from 'crypto';
import { bearer, eventually, RecordedMessage, ServiceUnderTest } from '@app/testing';
import { acceptanceEventsFor } from '../attestation.harness';
import { EnhancedAttestationsService, TypedAcceptance } from './enhanced-attestations.service';

export const SIGNATORY = { firstName: 'Grace', lastName: 'Hopper', email: 'grace@contoso.example' };

export function startBody(customerTenantId: string, over: Record<string, unknown> = {}) {
  return {
    customerTenantId,
    country: 'US',
    language: 'en-US',
    companyName: 'Contoso Ltd',
    signatoryFirstName: SIGNATORY.firstName,
    signatoryLastName: SIGNATORY.lastName,
    signatoryEmail: SIGNATORY.email,
    signatoryPhoneNumber: '+1 425 555 0199',
    ...over,
  };
}

const as = (partnerId: string, roles: string[] = ['AdminAgent']) => bearer({ tenantId: partnerId, roles });

export async function startEnhanced(
  sut: ServiceUnderTest,
  partnerId: string,
  body: object,
  roles?: string[],
) {
  return sut
    .http()
    .post('/v1/attestations/enhanced')
    .set('Authorization', await as(partnerId, roles))
    .send(body);
}

export async function getEnhanced(sut: ServiceUnderTest, partnerId: string, attestationId: string) {
  return sut
    .http()
    .get(`/v1/attestations/enhanced/${attestationId}`)
    .set('Authorization', await as(partnerId, ['SalesAgent']));
}

export async function listEnhanced(sut: ServiceUnderTest, partnerId: string, customerTenantId: string) {
  return sut
    .http()
    .get(`/v1/customers/${customerTenantId}/attestations/enhanced`)
    .set('Authorization', await as(partnerId, ['HelpdeskAgent']));
}

export async function cancelEnhanced(sut: ServiceUnderTest, partnerId: string, attestationId: string) {
  return sut
    .http()
    .post(`/v1/attestations/enhanced/${attestationId}/cancel`)
    .set('Authorization', await as(partnerId))
    .send();
}

export async function finalizeEnhanced(
  sut: ServiceUnderTest,
  partnerId: string,
  customerTenantId: string,
  body: object,
) {
  return sut
    .http()
    .post(`/v1/customers/${customerTenantId}/agreements`)
    .set('Authorization', await as(partnerId))
    .send(body);
}

export const serviceOf = (sut: ServiceUnderTest): EnhancedAttestationsService =>
  sut.service.app.get(EnhancedAttestationsService);

export const tokenOf = (acceptanceUrl: string): string => acceptanceUrl.split('/').pop()!;

export const typedAs = (over: Partial<TypedAcceptance> = {}): TypedAcceptance => ({
  signatoryFirstName: SIGNATORY.firstName,
  signatoryLastName: SIGNATORY.lastName,
  signatoryEmail: SIGNATORY.email,
  accept: true,
  ...over,
});

export const SHOWN_TEXT_HASH = createHash('sha256').update('the page as shown', 'utf8').digest('hex');
export const context = {
  clientAddress: '203.0.113.7',
  userAgent: 'Mozilla/5.0 (test)',
  shownTextHash: SHOWN_TEXT_HASH,
};

/** The customer's events of one type on agreements.acceptance, waited for until `count` arrived. */
export async function eventsOf(
  sut: ServiceUnderTest,
  customerTenantId: string,
  eventType: string,
  count = 1,
): Promise<RecordedMessage[]> {
  return eventually(() => {
    const mine = acceptanceEventsFor(sut, customerTenantId).filter((m) => m.json?.eventType === eventType);
    expect(mine.length).toBeGreaterThanOrEqual(count);
    return mine;
  });
}
