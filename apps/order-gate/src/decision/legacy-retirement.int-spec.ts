import { randomUUID } from 'crypto';
import { mkdtempSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { bearer, eventually } from '@app/testing';
import { givenOrder, givenRunningGate, placeOrders, publish } from '../order-gate.harness';
import { DEFAULT_POLICY, POLICY_FILE_VARIABLE } from '../policy/policy-loader';
import {
  givenAttested,
  givenCustomerCreated,
  givenDirectlyAccepted,
  givenEnhancedFinalized,
  givenEnhancedStarted,
  givenPartnerRegistered,
} from '../projection/facts.fixtures';

/**
 * T-08 switched on the way an operator does it: a policy file named by ORDER_GATE_POLICY_FILE, the shipped timeline
 * with the legacy-retirement entry's switch on and a new id. No code changes.
 */
const RETIRED_POLICY_ID = 'test-legacy-retired-on';
const policyFile = join(mkdtempSync(join(tmpdir(), 'gate-policy-')), 'policy.json');
writeFileSync(
  policyFile,
  JSON.stringify({
    ...DEFAULT_POLICY,
    id: RETIRED_POLICY_ID,
    legacyRetirement: DEFAULT_POLICY.legacyRetirement.map((e) => ({ ...e, enabled: true })),
  }),
);
const CUT_OFF = DEFAULT_POLICY.legacyRetirement[0].from;

describe('T-08: the legacy attestation retired, switched on in the policy data', () => {
  const sut = givenRunningGate('gate-legacy-retired', { [POLICY_FILE_VARIABLE]: policyFile });
  const minutesAgo = (m: number) => new Date(Date.now() - m * 60_000).toISOString();

  it('T-08: a legacy attestation recorded from the cut-off is kept but blocks with LegacyAttestationRetired; one recorded before, an enhanced one and a direct acceptance count', async () => {
    const partnerId = randomUUID();
    const [before, legacy, unsaid, enhanced, direct] = [1, 2, 3, 4, 5].map(() => randomUUID());
    const cutOff = Date.parse(CUT_OFF);
    // Recorded (occurredAt) a minute before the cut-off, though agreed earlier still; and at the cut-off exactly.
    const beforeCutOff = givenAttested(partnerId, before, new Date(cutOff - 60_000).toISOString(), {
      attestationSource: 'Legacy',
      dateAgreed: '2025-06-01T00:00:00.000Z',
    });
    const atCutOff = givenAttested(partnerId, legacy, CUT_OFF, {
      attestationSource: 'Legacy',
      dateAgreed: '2025-12-01T00:00:00.000Z',
    });
    const noSource = givenAttested(partnerId, unsaid, minutesAgo(5), { dateAgreed: minutesAgo(6) });
    const started = givenEnhancedStarted(partnerId, enhanced, minutesAgo(10));
    const finalized = givenEnhancedFinalized(started, minutesAgo(5));
    await publish(
      sut,
      ...[before, legacy, unsaid, enhanced, direct].map((c) =>
        givenCustomerCreated(partnerId, c, minutesAgo(30)),
      ),
      beforeCutOff,
      atCutOff,
      noSource,
      started,
      finalized,
      givenAttested(partnerId, direct, minutesAgo(5), { attestationSource: 'Legacy' }),
      givenDirectlyAccepted(direct, minutesAgo(4), { dateAgreed: minutesAgo(4) }),
    );

    const [byLegacy, byUnsaid, byBefore, byEnhanced, byDirect] = await placeOrders(
      sut,
      givenOrder(partnerId, legacy),
      givenOrder(partnerId, unsaid, 'SeatChange'),
      givenOrder(partnerId, before),
      givenOrder(partnerId, enhanced),
      givenOrder(partnerId, direct),
    );
    for (const [blocked, fact] of [
      [byLegacy, atCutOff],
      [byUnsaid, noSource],
    ] as const) {
      expect(blocked).toMatchObject({
        eventType: 'OrderBlocked',
        data: {
          reason: 'LegacyAttestationRetired',
          policyVersion: RETIRED_POLICY_ID,
          evidence: { acceptanceEventId: fact.eventId },
        },
      });
      expect(blocked.data.message).toContain('POST /v1/attestations/enhanced');
    }
    expect(byBefore).toMatchObject({
      eventType: 'OrderApproved',
      data: { reason: 'AcceptanceConfirmed', evidence: { acceptanceEventId: beforeCutOff.eventId } },
    });
    expect(byEnhanced).toMatchObject({
      eventType: 'OrderApproved',
      data: {
        evidence: {
          acceptanceEventId: finalized.eventId,
          enhancedAttestationId: (started.data as { attestationId: string }).attestationId,
        },
      },
    });
    expect(byDirect).toMatchObject({
      eventType: 'OrderApproved',
      data: { evidence: { acceptanceSource: 'CustomerDirect' } },
    });
  });

  it('T-08: GET /v1/policy shows the entry on, under the policy file’s version; the at-risk report names the retired customer', async () => {
    const partnerId = randomUUID();
    const customer = randomUUID();
    await publish(
      sut,
      givenPartnerRegistered(partnerId),
      givenCustomerCreated(partnerId, customer, minutesAgo(30)),
      givenAttested(partnerId, customer, minutesAgo(5), { attestationSource: 'Legacy' }),
    );
    const auth = await bearer({ tenantId: partnerId, roles: ['AdminAgent'] });
    const policy = await eventually(async () => {
      const res = await sut.http().get('/v1/policy').set('Authorization', auth);
      expect(res.status).toBe(200);
      return res.body;
    });
    expect(policy.policyVersion).toBe(RETIRED_POLICY_ID);
    expect(policy.entries).toContainEqual(
      expect.objectContaining({ rule: 'T-08', from: CUT_OFF, enabled: true }),
    );
    const report = await eventually(async () => {
      const res = await sut.http().get('/v1/compliance/at-risk').set('Authorization', auth);
      expect(res.body.items).toHaveLength(1);
      return res.body;
    });
    expect(report).toMatchObject({
      policyVersion: RETIRED_POLICY_ID,
      items: [{ customerTenantId: customer, reason: 'LegacyAttestationRetired' }],
    });
    // As of a day before the cut-off the retirement is not in force yet: nobody is at risk.
    const before = await sut
      .http()
      .get('/v1/compliance/at-risk')
      .query({ asOf: new Date(Date.parse(CUT_OFF) - 86_400_000).toISOString() })
      .set('Authorization', auth);
    expect(before.body.items).toEqual([]);
  });
});
