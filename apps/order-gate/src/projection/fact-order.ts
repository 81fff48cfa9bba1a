/**
 * S-05: which of two facts about one projection row stands. A fact never undoes a later one, so each
 * row keeps the fact with the latest time of its own (the domain time it carries, or for an
 * acceptance the time this system recorded it), whatever order the facts arrive in: a copy replayed
 * with a new eventId, or a fact delivered late, changes nothing when the row already holds a later one.
 *
 * Equal times: the facts of one row share their message key (the customer, or the template), hence
 * one partition, which the projection and `gate:rebuild` apply in offset order; so "an incoming
 * fact at the same time replaces a different one" means the later in the topic wins. An incoming
 * fact equal to the held one (same identity) is a copy and changes nothing, not even the eventId
 * the gate cites as evidence.
 *
 * `applyWrites` states the same comparisons in SQL (`ON CONFLICT … DO UPDATE … WHERE`), so that a
 * fact is applied with one statement and no read; `evolve.spec.ts` and `projection-sql.int-spec.ts`
 * hold the two to the same answers.
 */

/** A fact as the ordering sees it: its time, and what tells a different fact from a copy. */
export interface Stamped {
  at: string;
  identity: string;
}

const ms = (instant: string) => Date.parse(instant);

/** Latest wins (attestations, withdrawals, direct acceptances, relationships). */
export function supersedes(held: Stamped | undefined, incoming: Stamped): boolean {
  if (held === undefined) return true;
  const [h, i] = [ms(held.at), ms(incoming.at)];
  return i > h || (i === h && incoming.identity.toLowerCase() !== held.identity.toLowerCase());
}

/** Earliest wins (a customer's first known cloud, S-01; the first time a reseller was linked). */
export function precedes(held: { at: string } | undefined, incoming: { at: string }): boolean {
  return held === undefined || ms(incoming.at) < ms(held.at);
}

/** A template's publication: a higher versionRank, then a later publishedAt (AgreementTemplatePublished). */
export function newerPublication(
  held: { versionRank: number; publishedAt: string } | undefined,
  incoming: { versionRank: number; publishedAt: string },
): boolean {
  if (held === undefined) return true;
  if (incoming.versionRank !== held.versionRank) return incoming.versionRank > held.versionRank;
  return ms(incoming.publishedAt) > ms(held.publishedAt);
}
