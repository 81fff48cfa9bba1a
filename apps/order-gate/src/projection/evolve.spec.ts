import { randomUUID } from 'crypto';
import { KnownEventEnvelope } from '@app/contracts';
import { effectiveWithdrawal, EMPTY_PROJECTION, evolve, ProjectionState, rowKey } from './evolve';
import {
  givenAttested,
  givenCustomerCreated,
  givenDirectlyAccepted,
  givenRelationshipAccepted,
  givenTemplatePublished,
  givenTerminated,
  givenWithdrawn,
  MCA_TEMPLATE,
  replayOf,
} from './facts.fixtures';

const PARTNER = '11111111-1111-4111-8111-111111111111';
const CUSTOMER = '44444444-4444-4444-8444-444444444444';
const MCA_V2 = '22222222-9360-443b-8795-c6dedc750cf9';
const PAIR = rowKey(PARTNER, CUSTOMER, 'MicrosoftCustomerAgreement');

const given = (...facts: KnownEventEnvelope[]): ProjectionState => facts.reduce(evolve, EMPTY_PROJECTION);

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

describe('S-05: the projection keeps the latest fact, whatever order facts arrive in', () => {
  const first = givenAttested(PARTNER, CUSTOMER, '2026-01-01T10:00:00.000Z');
  const withdrawal = givenWithdrawn(first, '2026-02-01T10:00:00.000Z');
  const reattested = givenAttested(PARTNER, CUSTOMER, '2026-03-01T10:00:00.000Z');

  it('S-05, A-12: a replayed attestation after its withdrawal does not clear it', () => {
    const state = given(first, withdrawal, replayOf(first));
    expect(attestationOf(state)).toEqual({ attestationId: idOf(first), withdrawn: true });
    expect(state.acceptances.get(PAIR)!.attestation!.eventId).toBe(first.eventId);
  });

  it('S-05, A-12: the withdrawal delivered before the attestation it names still holds', () => {
    expect(attestationOf(given(withdrawal, first))).toEqual({ attestationId: idOf(first), withdrawn: true });
  });

  it('S-05, A-08: an older attestation replayed after a re-confirmation changes nothing', () => {
    const older = givenAttested(PARTNER, CUSTOMER, '2025-06-01T10:00:00.000Z');
    const state = given(older, first, replayOf(older));
    expect(attestationOf(state)).toEqual({ attestationId: idOf(first), withdrawn: false });
  });

  it('S-05, A-08, A-12: a re-attestation made after a withdrawal re-enables, in every arrival order', () => {
    for (const order of permutations([first, withdrawal, reattested])) {
      expect(attestationOf(given(...order))).toEqual({ attestationId: idOf(reattested), withdrawn: false });
    }
  });

  it('S-05, A-12: the old withdrawal replayed after a re-attestation does not withdraw it', () => {
    const state = given(first, withdrawal, reattested, replayOf(withdrawal));
    expect(attestationOf(state)).toEqual({ attestationId: idOf(reattested), withdrawn: false });
  });

  it('S-05, A-12: withdrawing the re-attestation holds against replays of every earlier fact, in every order', () => {
    const second = givenWithdrawn(reattested, '2026-04-01T10:00:00.000Z');
    const facts = [first, withdrawal, reattested, second, replayOf(first), replayOf(withdrawal)];
    const expected = given(...facts.slice(0, 4));
    expect(attestationOf(expected)).toEqual({ attestationId: idOf(reattested), withdrawn: true });
    for (const order of permutations(facts))
      expect(given(...order).acceptances).toEqual(expected.acceptances);
  });

  it('S-05: the withdrawal of the held attestation holds even when a skewed clock dated it before the attestation', () => {
    const skewed = givenWithdrawn(first, '2026-01-01T09:59:59.990Z');
    for (const order of permutations([first, skewed]))
      expect(attestationOf(given(...order))).toEqual({ attestationId: idOf(first), withdrawn: true });
  });

  it('S-05: two different attestations at the same instant: the later in the topic wins; a copy changes nothing', () => {
    const sameInstant = givenAttested(PARTNER, CUSTOMER, '2026-01-01T10:00:00.000Z');
    expect(attestationOf(given(first, sameInstant)).attestationId).toBe(idOf(sameInstant));
    expect(attestationOf(given(sameInstant, first)).attestationId).toBe(idOf(first));
    const copy = replayOf(first);
    expect(given(first, copy).acceptances.get(PAIR)!.attestation!.eventId).toBe(first.eventId);
  });

  it('S-05, D-08: a replayed relationship acceptance after the termination does not re-open it, in either order', () => {
    const accepted = givenRelationshipAccepted(PARTNER, CUSTOMER, '2026-01-01T10:00:00.000Z');
    const terminated = givenTerminated(PARTNER, CUSTOMER, '2026-02-01T10:00:00.000Z');
    for (const order of permutations([accepted, terminated, replayOf(accepted)]))
      expect(given(...order).relationships.get(rowKey(PARTNER, CUSTOMER))).toMatchObject({
        active: false,
        eventId: terminated.eventId,
      });
    const created = givenCustomerCreated(PARTNER, CUSTOMER, '2025-12-01T10:00:00.000Z');
    expect(
      given(created, terminated, replayOf(created)).relationships.get(rowKey(PARTNER, CUSTOMER))!.active,
    ).toBe(false);
  });

  it('S-05, D-08: a relationship accepted again after a termination is active, in every order', () => {
    const accepted = givenRelationshipAccepted(PARTNER, CUSTOMER, '2026-01-01T10:00:00.000Z');
    const terminated = givenTerminated(PARTNER, CUSTOMER, '2026-02-01T10:00:00.000Z');
    const again = givenRelationshipAccepted(PARTNER, CUSTOMER, '2026-03-01T10:00:00.000Z');
    for (const order of permutations([accepted, terminated, again]))
      expect(given(...order).relationships.get(rowKey(PARTNER, CUSTOMER))!.active).toBe(true);
  });

  it('S-05, D-06: an older direct acceptance replayed after a newer one changes nothing', () => {
    const older = givenDirectlyAccepted(CUSTOMER, '2023-01-01T10:00:00.000Z', {
      dateAgreed: '2023-01-01T00:00:00.000Z',
    });
    const newer = givenDirectlyAccepted(CUSTOMER, '2026-01-01T10:00:00.000Z', {
      templateId: MCA_V2,
      dateAgreed: '2026-01-01T00:00:00.000Z',
    });
    for (const order of permutations([older, newer, replayOf(older)]))
      expect(
        given(...order).directAcceptances.get(rowKey(CUSTOMER, 'MicrosoftCustomerAgreement')),
      ).toMatchObject({
        templateId: MCA_V2,
        eventId: newer.eventId,
      });
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
    for (const order of permutations([v1, v1Later, lowerRank, replayOf(v1)]))
      expect(given(...order).templates.get(rowKey(MCA_V2))).toMatchObject({
        versionRank: 2,
        agreementLink: 'https://example.test/new',
      });
    expect(given(givenTemplatePublished(MCA_TEMPLATE, 1, '2019-10-01T00:00:00.000Z')).templates.size).toBe(1);
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
    for (const order of permutations([created, claimed, replayOf(claimed)]))
      expect(given(...order).customers.get(rowKey(CUSTOMER))).toMatchObject({ cloud: 'Public' });
  });

  it('S-01: a relationship acceptance gives the cloud of a tenant the gate did not know, and later ones keep it', () => {
    const joined = givenRelationshipAccepted(PARTNER, CUSTOMER, '2026-01-01T10:00:00.000Z', 'UsGovernment');
    const other = givenRelationshipAccepted(randomUUID(), CUSTOMER, '2026-02-01T10:00:00.000Z', 'Public');
    for (const order of permutations([joined, other]))
      expect(given(...order).customers.get(rowKey(CUSTOMER))).toMatchObject({ cloud: 'UsGovernment' });
  });
});
