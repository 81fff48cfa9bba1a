import { eventually } from '@app/testing';
import {
  acceptanceEventsFor,
  attest,
  givenAttestationService,
  givenRelatedPair,
  listFor,
  withdraw,
} from '../attestation.harness';

describe('withdrawing an attestation (A-12)', () => {
  const sut = givenAttestationService('attestation-withdraw');

  it('A-12: the partner withdraws; AgreementAttestationWithdrawn is published and the record stays as Withdrawn', async () => {
    const { partnerId, customerTenantId } = await givenRelatedPair(sut);
    const attested = await attest(sut, partnerId, customerTenantId);
    const res = await withdraw(sut, partnerId, customerTenantId);
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      attestationId: attested.body.id,
      customerTenantId,
      type: 'MicrosoftCustomerAgreement',
    });
    const event = await eventually(() => {
      const mine = acceptanceEventsFor(sut, customerTenantId).filter(
        (m) => m.json.eventType === 'AgreementAttestationWithdrawn',
      );
      expect(mine).toHaveLength(1);
      return mine[0];
    });
    expect(event.json.data).toMatchObject({
      attestationId: attested.body.id,
      partnerId,
      reason: 'The customer revoked its acceptance.',
    });
    const history = await listFor(sut, partnerId, customerTenantId);
    expect(history.body.items[0]).toMatchObject({ id: attested.body.id, status: 'Withdrawn' });
    const again = await withdraw(sut, partnerId, customerTenantId);
    expect(again.status).toBe(404);
    expect(again.body).toMatchObject({ code: 610112, errorName: 'NoAttestationToWithdraw' });
    // Attesting again after a withdrawal makes a new current attestation.
    expect((await attest(sut, partnerId, customerTenantId)).status).toBe(201);
  });
});
