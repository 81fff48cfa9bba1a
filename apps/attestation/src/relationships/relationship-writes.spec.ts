import { randomUUID } from 'crypto';
import { buildEnvelope, KnownEventEnvelope } from '@app/contracts';
import { relationshipWrites } from './relationship-writes';

const fact = (eventType: string, data: object, occurredAt = new Date('2026-11-20T10:00:00Z')) =>
  buildEnvelope(eventType, data, { producer: 'reseller-relationship', occurredAt }) as KnownEventEnvelope;

describe('relationshipWrites: a run of relationship facts as one write per key (A-17 under backlog)', () => {
  const partnerId = randomUUID();
  const customerTenantId = randomUUID();
  const accepted = (acceptedAt: string, cloud = 'Public') =>
    fact('ResellerRelationshipAccepted', {
      invitationId: randomUUID(),
      partnerId,
      customerTenantId,
      acceptedAt,
      cloud,
      country: 'US',
    });
  const terminated = (terminatedAt: string) =>
    fact('ResellerRelationshipTerminated', { partnerId, customerTenantId, terminatedAt, reason: 'x' });

  it('A-17: a created customer is known and related to its partner; a registered partner is known by its first registration (S-05: the producer never changes one)', () => {
    const first = fact('PartnerRegistered', {
      partnerId,
      partnerType: 'DirectBill',
      cloud: 'Public',
      name: 'A',
    });
    const again = fact('PartnerRegistered', {
      partnerId,
      partnerType: 'IndirectProvider',
      cloud: 'Public',
      name: 'B',
    });
    const created = fact(
      'CustomerTenantCreated',
      { customerTenantId, partnerId, companyName: 'Contoso', cloud: 'Public', country: 'DE' },
      new Date('2026-11-20T11:00:00Z'),
    );
    expect(relationshipWrites([first, again, created])).toEqual({
      partners: [
        {
          partnerId,
          partnerType: 'DirectBill',
          cloud: 'Public',
          name: 'A',
          registeredEventId: first.eventId,
        },
      ],
      customers: [{ customerTenantId, cloud: 'Public', country: 'DE', knownAt: '2026-11-20T11:00:00.000Z' }],
      relationships: [{ partnerId, customerTenantId, active: true, asOf: '2026-11-20T11:00:00.000Z' }],
    });
  });

  it('A-17: the latest relationship fact by its own time wins, as when applied one by one; the later in order on a tie', () => {
    const later = '2026-11-20T12:00:00.000Z';
    const earlier = '2026-11-20T09:00:00.000Z';
    expect(relationshipWrites([terminated(later), accepted(earlier)]).relationships).toEqual([
      { partnerId, customerTenantId, active: false, asOf: later },
    ]);
    expect(relationshipWrites([terminated(earlier), accepted(later)]).relationships).toEqual([
      { partnerId, customerTenantId, active: true, asOf: later },
    ]);
    expect(relationshipWrites([accepted(later), terminated(later)]).relationships).toEqual([
      { partnerId, customerTenantId, active: false, asOf: later },
    ]);
  });

  it('A-17: facts that do not bear on attestation write nothing', () => {
    const requested = fact('ResellerRelationshipRequested', {
      invitationId: randomUUID(),
      partnerId,
      expiresAt: '2026-11-27T10:00:00.000Z',
    });
    const linked = fact('IndirectResellerLinked', {
      providerPartnerId: partnerId,
      resellerPartnerId: randomUUID(),
      linkedAt: '2026-11-20T10:00:00.000Z',
    });
    expect(relationshipWrites([requested, linked])).toEqual({
      partners: [],
      customers: [],
      relationships: [],
    });
  });

  it('S-01, S-05: a tenant keeps the cloud of its earliest fact, whatever the order they come in; a copy of the held relationship fact changes nothing', () => {
    const first = accepted('2026-11-20T09:00:00.000Z', 'Public');
    const later = accepted('2026-11-20T12:00:00.000Z', 'UsGovernment');
    for (const run of [
      [first, later],
      [later, first],
    ])
      expect(relationshipWrites(run).customers).toEqual([
        { customerTenantId, cloud: 'Public', country: 'US', knownAt: '2026-11-20T09:00:00.000Z' },
      ]);
    const held = accepted('2026-11-20T12:00:00.000Z');
    const copy = { ...held, eventId: randomUUID() };
    expect(relationshipWrites([held, copy]).relationships).toEqual([
      { partnerId, customerTenantId, active: true, asOf: '2026-11-20T12:00:00.000Z' },
    ]);
  });
});
