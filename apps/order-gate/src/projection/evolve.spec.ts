import { randomUUID } from 'crypto';
import { buildEnvelope, KnownEventEnvelope } from '@app/contracts';
import { effectiveWithdrawal, EMPTY_PROJECTION, evolve, ProjectionState, rowKey } from './evolve';
import {
  givenAttested,
  givenCustomerCreated,
  givenDirectlyAccepted,
  givenEnhancedFinalized,
  givenEnhancedOutcome,
  givenEnhancedStarted,
  givenPartnerRegistered,
  givenRelationshipAccepted,
  givenResellerLinked,
  givenTemplatePublished,
  givenTerminated,
  givenWithdrawn,
  MCA_TEMPLATE,
  replayOf,
} from './facts.fixtures';

const PARTNER = '11111111-1111-4111-8111-111111111111';
const PROVIDER = '22222222-2222-4222-8222-222222222222';
const RESELLER = '33333333-3333-4333-8333-333333333333';
const CUSTOMER = '44444444-4444-4444-8444-444444444444';
const MCA_V2 = '22222222-9360-443b-8795-c6dedc750cf9';
const PAIR = rowKey(PARTNER, CUSTOMER, 'MicrosoftCustomerAgreement');
const RELATIONSHIP = rowKey(PARTNER, CUSTOMER);
const DIRECT = rowKey(CUSTOMER, 'MicrosoftCustomerAgreement');

/**
 * evolve, given/when/then: `given` the facts already applied, `when` more arrive, `then` the state, or
 * `thenNothingChanged` (a replay or a late fact that the state already holds a later one for, S-05).
 */
function given(...history: KnownEventEnvelope[]) {
  const before = history.reduce(evolve, EMPTY_PROJECTION);
  return {
    when(...facts: KnownEventEnvelope[]) {
      const after = facts.reduce(evolve, before);
      return {
        then(expectation: (state: ProjectionState) => void) {
          expectation(after);
        },
        thenNothingChanged() {
          expect(after).toEqual(before);
        },
      };
    },
  };
}

/** Every order of the facts: a late or replayed fact may come anywhere. */
function permutations<T>(items: T[]): T[][] {
  if (items.length <= 1) return [items];
  return items.flatMap((item, i) =>
    permutations([...items.slice(0, i), ...items.slice(i + 1)]).map((rest) => [item, ...rest]),
  );
}

const attestationOf = (state: ProjectionState) => {
  const row = state.acceptances.get(PAIR)!;
  return { attestationId: row.attestation?.attestationId, withdrawn: effectiveWithdrawal(row) !== undefined };
};

const idOf = (fact: KnownEventEnvelope) => (fact.data as { attestationId: string }).attestationId;

describe('evolve: what each fact writes into an empty projection', () => {
  it('A-01: an attestation opens the partner’s row for the customer and type', () => {
    const attested = givenAttested(PARTNER, CUSTOMER, '2026-01-01T10:00:00.000Z', {
      dateAgreed: '2025-12-31T00:00:00.000Z',
    });
    given()
      .when(attested)
      .then((state) =>
        expect(state.acceptances.get(PAIR)).toEqual({
          attestation: {
            attestationId: idOf(attested),
            attestedAt: attested.occurredAt,
            templateId: MCA_TEMPLATE,
            dateAgreed: '2025-12-31T00:00:00.000Z',
            eventId: attested.eventId,
            attestationSource: null,
            enhancedAttestationId: null,
          },
        }),
      );
  });

  it('A-12: a withdrawal holds for the attestation it names', () => {
    const attested = givenAttested(PARTNER, CUSTOMER, '2026-01-01T10:00:00.000Z');
    const withdrawal = givenWithdrawn(attested, '2026-02-01T10:00:00.000Z');
    given(attested)
      .when(withdrawal)
      .then((state) =>
        expect(effectiveWithdrawal(state.acceptances.get(PAIR)!)).toEqual({
          attestationId: idOf(attested),
          withdrawnAt: '2026-02-01T10:00:00.000Z',
          eventId: withdrawal.eventId,
        }),
      );
  });

  it('D-04, D-06: a direct acceptance is the customer’s, whoever it came through', () => {
    const accepted = givenDirectlyAccepted(CUSTOMER, '2026-01-01T10:00:00.000Z', { viaPartnerId: PARTNER });
    given()
      .when(accepted)
      .then((state) => {
        expect([...state.directAcceptances.keys()]).toEqual([DIRECT]);
        expect(state.directAcceptances.get(DIRECT)).toMatchObject({ eventId: accepted.eventId });
        expect(state.acceptances.size).toBe(0);
      });
  });

  it('D-01, S-01: a created customer is related to its partner, in the cloud the fact gives', () => {
    const created = givenCustomerCreated(PARTNER, CUSTOMER, '2026-01-01T10:00:00.000Z', 'Germany');
    given()
      .when(created)
      .then((state) => {
        expect(state.customers.get(rowKey(CUSTOMER))).toMatchObject({ cloud: 'Germany' });
        expect(state.relationships.get(RELATIONSHIP)).toEqual({
          active: true,
          changedAt: created.occurredAt,
          eventId: created.eventId,
        });
      });
  });

  it('D-08: a termination deactivates the relationship', () => {
    const terminated = givenTerminated(PARTNER, CUSTOMER, '2026-02-01T10:00:00.000Z');
    given(givenRelationshipAccepted(PARTNER, CUSTOMER, '2026-01-01T10:00:00.000Z'))
      .when(terminated)
      .then((state) =>
        expect(state.relationships.get(RELATIONSHIP)).toMatchObject({
          active: false,
          eventId: terminated.eventId,
        }),
      );
  });

  it('D-07: a reseller link keeps the first time it was linked, whatever order the links come in', () => {
    const first = givenResellerLinked(PROVIDER, RESELLER, '2026-01-01T10:00:00.000Z');
    const again = givenResellerLinked(PROVIDER, RESELLER, '2026-03-01T10:00:00.000Z');
    const linkedAtOf = (state: ProjectionState) => state.resellerLinks.get(rowKey(PROVIDER, RESELLER));
    given()
      .when(first)
      .then((state) => expect(linkedAtOf(state)).toEqual({ linkedAt: '2026-01-01T10:00:00.000Z' }));
    given(first).when(again).thenNothingChanged();
    given(again)
      .when(first)
      .then((state) => expect(linkedAtOf(state)).toEqual({ linkedAt: '2026-01-01T10:00:00.000Z' }));
  });

  it('S-03: a partner’s registration stands as first received', () => {
    const registered = givenPartnerRegistered(PARTNER, 'Public', 'IndirectProvider');
    given()
      .when(registered)
      .then((state) =>
        expect(state.partners.get(rowKey(PARTNER))).toEqual({
          partnerType: 'IndirectProvider',
          cloud: 'Public',
        }),
      );
    given(registered)
      .when(givenPartnerRegistered(PARTNER, 'UsGovernment', 'DirectBill'))
      .thenNothingChanged();
  });

  it('G-04: a published template joins the catalog', () => {
    given()
      .when(givenTemplatePublished(MCA_V2, 2, '2026-01-01T00:00:00.000Z', 'https://example.test/v2'))
      .then((state) =>
        expect(state.templates.get(rowKey(MCA_V2))).toEqual({
          templateId: MCA_V2,
          agreementType: 'MicrosoftCustomerAgreement',
          versionRank: 2,
          agreementLink: 'https://example.test/v2',
          publishedAt: '2026-01-01T00:00:00.000Z',
        }),
      );
  });

  it('an invitation requested, or an order, changes nothing the gate judges on', () => {
    const requested = buildEnvelope(
      'ResellerRelationshipRequested',
      {
        invitationId: randomUUID(),
        partnerId: PARTNER,
        customerTenantId: CUSTOMER,
        invitationUrl: 'https://example.test/invite',
        expiresAt: '2026-02-01T00:00:00.000Z',
      },
      { producer: 'reseller-relationship' },
    ) as unknown as KnownEventEnvelope;
    given(givenCustomerCreated(PARTNER, CUSTOMER, '2026-01-01T10:00:00.000Z'))
      .when(requested)
      .thenNothingChanged();
  });
});

describe('S-05: the projection keeps the latest fact, whatever order facts arrive in', () => {
  const first = givenAttested(PARTNER, CUSTOMER, '2026-01-01T10:00:00.000Z');
  const withdrawal = givenWithdrawn(first, '2026-02-01T10:00:00.000Z');
  const reattested = givenAttested(PARTNER, CUSTOMER, '2026-03-01T10:00:00.000Z');

  it('S-05, A-12: a replayed attestation after its withdrawal changes nothing', () => {
    given(first, withdrawal).when(replayOf(first)).thenNothingChanged();
  });

  it('S-05, A-12: the withdrawal delivered before the attestation it names still holds', () => {
    given(withdrawal)
      .when(first)
      .then((state) => expect(attestationOf(state)).toEqual({ attestationId: idOf(first), withdrawn: true }));
  });

  it('S-05, A-08: an older attestation replayed after a re-confirmation changes nothing', () => {
    const older = givenAttested(PARTNER, CUSTOMER, '2025-06-01T10:00:00.000Z');
    given(older, first).when(replayOf(older)).thenNothingChanged();
  });

  it('S-05, A-08: an older attestation delivered late does not replace the held one', () => {
    const older = givenAttested(PARTNER, CUSTOMER, '2025-06-01T10:00:00.000Z');
    given(first).when(older).thenNothingChanged();
  });

  it('S-05, A-08, A-12: a re-attestation made after a withdrawal re-enables, in every arrival order', () => {
    for (const order of permutations([first, withdrawal, reattested]))
      given()
        .when(...order)
        .then((state) =>
          expect(attestationOf(state)).toEqual({ attestationId: idOf(reattested), withdrawn: false }),
        );
  });

  it('S-05, A-12: the old withdrawal replayed after a re-attestation changes nothing', () => {
    given(first, withdrawal, reattested).when(replayOf(withdrawal)).thenNothingChanged();
  });

  it('S-05, A-12: withdrawing the re-attestation holds against replays of every earlier fact, in every order', () => {
    const second = givenWithdrawn(reattested, '2026-04-01T10:00:00.000Z');
    const facts = [first, withdrawal, reattested, second, replayOf(first), replayOf(withdrawal)];
    given(first, withdrawal, reattested, second)
      .when(replayOf(first), replayOf(withdrawal))
      .thenNothingChanged();
    given(first, withdrawal, reattested)
      .when(second)
      .then((expected) => {
        expect(attestationOf(expected)).toEqual({ attestationId: idOf(reattested), withdrawn: true });
        for (const order of permutations(facts))
          given()
            .when(...order)
            .then((state) => expect(state.acceptances).toEqual(expected.acceptances));
      });
  });

  it('S-05: the withdrawal of the held attestation holds even when a skewed clock dated it before the attestation', () => {
    const skewed = givenWithdrawn(first, '2026-01-01T09:59:59.990Z');
    for (const order of permutations([first, skewed]))
      given()
        .when(...order)
        .then((state) =>
          expect(attestationOf(state)).toEqual({ attestationId: idOf(first), withdrawn: true }),
        );
  });

  it('S-05: two different attestations at the same instant: the later in the topic wins; a copy changes nothing', () => {
    const sameInstant = givenAttested(PARTNER, CUSTOMER, '2026-01-01T10:00:00.000Z');
    given(first)
      .when(sameInstant)
      .then((state) => expect(attestationOf(state).attestationId).toBe(idOf(sameInstant)));
    given(sameInstant)
      .when(first)
      .then((state) => expect(attestationOf(state).attestationId).toBe(idOf(first)));
    given(first).when(replayOf(first)).thenNothingChanged();
  });

  it('S-05, D-08: a replayed relationship acceptance after the termination does not re-open it, in any order', () => {
    const accepted = givenRelationshipAccepted(PARTNER, CUSTOMER, '2026-01-01T10:00:00.000Z');
    const terminated = givenTerminated(PARTNER, CUSTOMER, '2026-02-01T10:00:00.000Z');
    given(accepted, terminated).when(replayOf(accepted)).thenNothingChanged();
    for (const order of permutations([accepted, terminated, replayOf(accepted)]))
      given()
        .when(...order)
        .then((state) =>
          expect(state.relationships.get(RELATIONSHIP)).toMatchObject({
            active: false,
            eventId: terminated.eventId,
          }),
        );
    const created = givenCustomerCreated(PARTNER, CUSTOMER, '2025-12-01T10:00:00.000Z');
    given(created, terminated)
      .when(replayOf(created))
      .then((state) => expect(state.relationships.get(RELATIONSHIP)!.active).toBe(false));
  });

  it('S-05, D-08: a relationship accepted again after a termination is active, in every order', () => {
    const accepted = givenRelationshipAccepted(PARTNER, CUSTOMER, '2026-01-01T10:00:00.000Z');
    const terminated = givenTerminated(PARTNER, CUSTOMER, '2026-02-01T10:00:00.000Z');
    const again = givenRelationshipAccepted(PARTNER, CUSTOMER, '2026-03-01T10:00:00.000Z');
    for (const order of permutations([accepted, terminated, again]))
      given()
        .when(...order)
        .then((state) => expect(state.relationships.get(RELATIONSHIP)!.active).toBe(true));
  });

  it('S-05, D-06: an older direct acceptance replayed after a newer one changes nothing, in any order', () => {
    const older = givenDirectlyAccepted(CUSTOMER, '2023-01-01T10:00:00.000Z', {
      dateAgreed: '2023-01-01T00:00:00.000Z',
    });
    const newer = givenDirectlyAccepted(CUSTOMER, '2026-01-01T10:00:00.000Z', {
      templateId: MCA_V2,
      dateAgreed: '2026-01-01T00:00:00.000Z',
    });
    given(older, newer).when(replayOf(older)).thenNothingChanged();
    for (const order of permutations([older, newer, replayOf(older)]))
      given()
        .when(...order)
        .then((state) =>
          expect(state.directAcceptances.get(DIRECT)).toMatchObject({
            templateId: MCA_V2,
            eventId: newer.eventId,
          }),
        );
  });

  it('S-05: an older or lower-ranked publication of a template never replaces a newer one', () => {
    const v1 = givenTemplatePublished(MCA_V2, 2, '2026-01-01T00:00:00.000Z', 'https://example.test/old');
    const v1Later = givenTemplatePublished(MCA_V2, 2, '2026-02-01T00:00:00.000Z', 'https://example.test/new');
    const lowerRank = givenTemplatePublished(
      MCA_V2,
      1,
      '2026-03-01T00:00:00.000Z',
      'https://example.test/lower',
    );
    given(v1, v1Later).when(lowerRank, replayOf(v1)).thenNothingChanged();
    for (const order of permutations([v1, v1Later, lowerRank, replayOf(v1)]))
      given()
        .when(...order)
        .then((state) =>
          expect(state.templates.get(rowKey(MCA_V2))).toMatchObject({
            versionRank: 2,
            agreementLink: 'https://example.test/new',
          }),
        );
    given()
      .when(givenTemplatePublished(MCA_TEMPLATE, 1, '2019-10-01T00:00:00.000Z'))
      .then((state) => expect(state.templates.size).toBe(1));
  });
});

describe('S-01: a customer keeps the first cloud the facts gave it', () => {
  it('S-01: a later relationship acceptance naming a national cloud does not change the tenant the partner created', () => {
    const created = givenCustomerCreated(PARTNER, CUSTOMER, '2026-01-01T10:00:00.000Z', 'Public');
    const claimed = givenRelationshipAccepted(
      randomUUID(),
      CUSTOMER,
      '2026-02-01T10:00:00.000Z',
      'UsGovernment',
    );
    given(created)
      .when(claimed, replayOf(claimed))
      .then((state) => expect(state.customers.get(rowKey(CUSTOMER))).toMatchObject({ cloud: 'Public' }));
    for (const order of permutations([created, claimed, replayOf(claimed)]))
      given()
        .when(...order)
        .then((state) => expect(state.customers.get(rowKey(CUSTOMER))).toMatchObject({ cloud: 'Public' }));
  });

  it('S-01: a relationship acceptance gives the cloud of a tenant the gate did not know, and later ones keep it', () => {
    const joined = givenRelationshipAccepted(PARTNER, CUSTOMER, '2026-01-01T10:00:00.000Z', 'UsGovernment');
    const other = givenRelationshipAccepted(randomUUID(), CUSTOMER, '2026-02-01T10:00:00.000Z', 'Public');
    for (const order of permutations([joined, other]))
      given()
        .when(...order)
        .then((state) =>
          expect(state.customers.get(rowKey(CUSTOMER))).toMatchObject({ cloud: 'UsGovernment' }),
        );
  });
});

describe('evolve: the enhanced attestation (G-15, E-05, S-04)', () => {
  const T0 = '2026-11-01T10:00:00.000Z';
  const T1 = '2026-11-01T11:00:00.000Z';
  const T2 = '2026-11-01T12:00:00.000Z';
  const enhancedOf = (state: ProjectionState) => state.enhancedAttestations.get(RELATIONSHIP);

  it("G-15: a started attestation is the pair's, Pending, with its link and expiry", () => {
    const started = givenEnhancedStarted(PARTNER, CUSTOMER, T0);
    given()
      .when(started)
      .then((state) =>
        expect(enhancedOf(state)).toEqual({
          attestationId: idOf(started),
          startedAt: started.occurredAt,
          status: 'Pending',
          acceptanceUrl: (started.data as { acceptanceUrl: string }).acceptanceUrl,
          expiresAt: (started.data as { expiresAt: string }).expiresAt,
          eventId: started.eventId,
        }),
      );
  });

  it('E-05: accepted, then finalized by the AgreementAttested that names it, which records its source', () => {
    const started = givenEnhancedStarted(PARTNER, CUSTOMER, T0);
    const finalized = givenEnhancedFinalized(started, T2);
    given(started, givenEnhancedOutcome(started, 'Accepted', T1))
      .when(finalized)
      .then((state) => {
        expect(enhancedOf(state)).toMatchObject({ status: 'Finalized', eventId: finalized.eventId });
        expect(state.acceptances.get(PAIR)!.attestation).toMatchObject({
          attestationSource: 'Enhanced',
          enhancedAttestationId: idOf(started),
        });
      });
  });

  it.each(['Cancelled', 'Expired'] as const)('E-05: a pending attestation %s', (outcome) => {
    const started = givenEnhancedStarted(PARTNER, CUSTOMER, T0);
    given(started)
      .when(givenEnhancedOutcome(started, outcome, T1))
      .then((state) => expect(enhancedOf(state)?.status).toBe(outcome));
  });

  it('E-05: an accepted or finalized attestation does not go back (a late expiry or a replay changes nothing)', () => {
    const started = givenEnhancedStarted(PARTNER, CUSTOMER, T0);
    const accepted = givenEnhancedOutcome(started, 'Accepted', T1);
    given(started, accepted)
      .when(givenEnhancedOutcome(started, 'Expired', T2))
      .thenNothingChanged();
    given(started, accepted, givenEnhancedFinalized(started, T2))
      .when(replayOf(accepted), givenEnhancedOutcome(started, 'Cancelled', T2), replayOf(started))
      .thenNothingChanged();
  });

  it('G-15: a newer attestation of the pair replaces an older one, whose later events change nothing', () => {
    const older = givenEnhancedStarted(PARTNER, CUSTOMER, T0);
    const newer = givenEnhancedStarted(PARTNER, CUSTOMER, T1);
    given(older, newer)
      .when(givenEnhancedOutcome(older, 'Accepted', T2), replayOf(older))
      .thenNothingChanged();
    given(newer).when(older).thenNothingChanged();
    given(older)
      .when(newer)
      .then((state) =>
        expect(enhancedOf(state)).toMatchObject({ attestationId: idOf(newer), status: 'Pending' }),
      );
  });

  it('S-04, T-08: an attestation stated Enhanced by another writer of the topic does not count as enhanced', () => {
    const forged = givenAttested(PARTNER, CUSTOMER, T0, {
      producer: 'reseller-relationship',
      attestationSource: 'Enhanced',
      enhancedAttestationId: randomUUID(),
    });
    given()
      .when(forged)
      .then((state) => {
        expect(state.acceptances.get(PAIR)!.attestation!.attestationSource).toBeNull();
        expect(state.enhancedAttestations.size).toBe(0);
      });
  });

  it('S-04: the enhanced facts count only from the attestation service', () => {
    const forged = givenEnhancedStarted(PARTNER, CUSTOMER, T0, { producer: 'reseller-relationship' });
    given().when(forged).thenNothingChanged();
    const started = givenEnhancedStarted(PARTNER, CUSTOMER, T0);
    given(started)
      .when(givenEnhancedOutcome(started, 'Cancelled', T1, 'reseller-relationship'))
      .thenNothingChanged();
  });
});
