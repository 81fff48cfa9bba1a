import { PartitionMetadata, Partitioners } from 'kafkajs';

/** The partitioner every service's producer uses (libs/messaging): Kafka's murmur2 of the key. */
const partitioner = Partitioners.DefaultPartitioner();

const layoutOf = (count: number): PartitionMetadata[] =>
  Array.from({ length: count }, (_, partitionId) => ({
    partitionId,
    leader: 0,
    replicas: [0],
    isr: [0],
    partitionErrorCode: 0,
  }));

/** The partition of `topic` (of `count` partitions) where a producer places a message with this key. */
export function partitionOfKey(topic: string, count: number, key: string): number {
  return partitioner({ topic, partitionMetadata: layoutOf(count), message: { key, value: null } });
}

/**
 * of the end offsets of `topic` (`topic:partition` → offset), only those of the partitions the
 * keys map to. Facts about a customer are keyed by its tenant id and facts about a partner alone by
 * the partner's id (CONTRACT.md), so these partitions hold every fact one attestation depends on.
 */
export function targetsForKeys(
  ends: ReadonlyMap<string, bigint>,
  topic: string,
  count: number,
  keys: readonly string[],
): Map<string, bigint> {
  const wanted = new Set(keys.map((key) => `${topic}:${partitionOfKey(topic, count, key)}`));
  return new Map([...ends].filter(([partition]) => wanted.has(partition)));
}
