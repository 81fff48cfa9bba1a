import access from './topic-access.json';
import { DlqTopic, Topic } from './topics';

/** The principals of docs/contract.md: each connects with its own identity, and names itself in the envelope's `producer`. */
export type Principal =
  'commerce-platform' | 'order-gate' | 'attestation' | 'reseller-relationship' | 'audit';

/* topic-access.json is the one list: the launcher's ACLs (plain JavaScript, before any build) read it too. */

/** The principals that write each topic: a consumer refuses an event whose envelope `producer` is not one of them (S-04). */
export const TOPIC_WRITERS = access.writers as Readonly<Record<Topic, readonly Principal[]>>;

/** Every consumer of every principal, by consumer name, with the topics it reads; registrations take their topics from here. */
export const TOPIC_CONSUMERS = access.consumers as unknown as Readonly<
  Record<Principal, Readonly<Record<string, readonly (Topic | DlqTopic)[]>>>
>;

export function isWriterOf(topic: Topic, producer: unknown): boolean {
  return (TOPIC_WRITERS[topic] as readonly unknown[]).includes(producer);
}

/** The topics consumer `name` of `principal` reads; throws when it is not declared in topic-access.json. */
export function consumedTopics(principal: Principal, name: string): readonly (Topic | DlqTopic)[] {
  const topics = TOPIC_CONSUMERS[principal]?.[name];
  if (!topics)
    throw new Error(
      `consumer ${name} of ${principal} is not declared in libs/contracts/src/topic-access.json`,
    );
  return topics;
}
