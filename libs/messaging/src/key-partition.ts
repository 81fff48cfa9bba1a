import { PartitionMetadata, Partitioners } from 'kafkajs';

/** The partitioner every service's producer uses (Messaging): Kafka's murmur2 of the key, as Java's clients. */
const partitioner = Partitioners.DefaultPartitioner();

const layouts = new Map<number, PartitionMetadata[]>();
function layoutOf(count: number): PartitionMetadata[] {
  let layout = layouts.get(count);
  if (!layout) {
    layout = Array.from({ length: count }, (_, partitionId) => ({
      partitionId,
      leader: 0,
      replicas: [0],
      isr: [0],
      partitionErrorCode: 0,
    }));
    layouts.set(count, layout);
  }
  return layout;
}

/**
 * The partition of `topic` (of `count` partitions) where a producer places a message with this key:
 * every fact about one customer (or one partner) is there, so a catch-up may wait for it alone.
 */
export function partitionOfKey(topic: string, count: number, key: string): number {
  return partitioner({ topic, partitionMetadata: layoutOf(count), message: { key, value: null } });
}
