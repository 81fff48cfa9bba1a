import { randomUUID } from 'crypto';
import { attestationBody } from '../attestation.fixtures';
import {
  attest,
  attestationIdsBeforeMarker,
  givenAttestationService,
  givenRelatedPair,
  rowsFor,
} from '../attestation.harness';

describe('MS-RequestId: a retried request changes nothing (A-13)', () => {
  const sut = givenAttestationService('attestation-request-id');

  it('A-13: the same MS-RequestId returns the first answer byte for byte and records and publishes once, even for simultaneous requests', async () => {
    const pair = await givenRelatedPair(sut);
    const { partnerId, customerTenantId } = pair;
    const requestId = randomUUID();
    const body = attestationBody();
    const answers = await Promise.all(
      Array.from({ length: 6 }, () => attest(sut, partnerId, customerTenantId, body, { requestId })),
    );
    const first = answers[0];
    expect(first.status).toBe(201);
    for (const answer of answers) {
      expect(answer.status).toBe(first.status);
      expect(answer.text).toBe(first.text);
    }
    const later = await attest(sut, partnerId, customerTenantId, body, { requestId });
    expect(later.status).toBe(201);
    expect(later.text).toBe(first.text);
    expect(await rowsFor(sut, customerTenantId)).toBe(1);

    const reused = await attest(
      sut,
      partnerId,
      customerTenantId,
      attestationBody({ attestedBy: 'someone else' }),
      { requestId },
    );
    expect(reused.status).toBe(422);
    expect(reused.body).toMatchObject({ code: 610111, errorName: 'RequestIdReused' });

    // Another partner's identical key is its own.
    const other = await givenRelatedPair(sut);
    expect((await attest(sut, other.partnerId, other.customerTenantId, body, { requestId })).status).toBe(
      201,
    );

    expect(await attestationIdsBeforeMarker(sut, pair)).toEqual([first.body.id]);
  });
});
