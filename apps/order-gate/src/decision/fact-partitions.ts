import { OrderRequestedV1, Topics } from '@app/contracts';
import { partitionOfKey } from '@app/messaging';

/** The partition count of each fact topic. */
export type PartitionCounts = ReadonlyMap<string, number>;

/** `topic:partition` of a key, as a producer using the default partitioner places it. */
export function partitionOf(topic: string, count: number, key: string): string {
  return `${topic}:${partitionOfKey(topic, count, key)}`;
}

/**
 * G-11: the fact partitions an order is judged on, as `topic:partition`. Facts about a customer are keyed by its
 * tenant id, facts about a partner alone (registration, reseller links) by the partner's (docs/contract.md), and any
 * template may be the latest: so the customer's partition of the acceptance and relationship topics, the
 * partner's and the reseller's of the relationship topic, and every partition of the templates topic. Undefined
 * when a topic's partition count is not known: then every partition counts.
 */
export function factPartitionsOf(
  order: OrderRequestedV1,
  counts: PartitionCounts,
): readonly string[] | undefined {
  const acceptance = counts.get(Topics.AgreementsAcceptance);
  const relationships = counts.get(Topics.PartnersRelationships);
  const templates = counts.get(Topics.AgreementsTemplates);
  if (!acceptance || !relationships || !templates) return undefined;
  const keys = [
    partitionOf(Topics.AgreementsAcceptance, acceptance, order.customerTenantId),
    partitionOf(Topics.PartnersRelationships, relationships, order.customerTenantId),
    partitionOf(Topics.PartnersRelationships, relationships, order.partnerId),
    ...Array.from({ length: templates }, (_, p) => `${Topics.AgreementsTemplates}:${p}`),
  ];
  if (order.resellerPartnerId)
    keys.push(partitionOf(Topics.PartnersRelationships, relationships, order.resellerPartnerId));
  return keys;
}
