import { PartitionMetadata, Partitioners } from 'kafkajs';
import type { TopicEnds } from './end-offsets';

/** The partitioner every service's producer uses (KafkaClients): Kafka's murmur2 of the key, as Java's clients. */
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

const seenCounts = new Map<string, number>();

/**
 * The producers' partitioner (KafkaClients): the default one, which also notes each topic's partition count as the
 * producer's metadata gives it, so a sender can tell which partitions a batch went to (`unacknowledged`).
 */
export const NotingPartitioner = (): ReturnType<typeof Partitioners.DefaultPartitioner> => (args) => {
  seenCounts.set(args.topic, args.partitionMetadata.length);
  return partitioner(args);
};

/** The partition count of `topic` as the last send through `NotingPartitioner` saw it. */
export function partitionCountSeen(topic: string): number | undefined {
  return seenCounts.get(topic);
}

/**
 * The partition of `topic` (of `count` partitions) where a producer places a message with this key:
 * every fact about one customer (or one partner) is there, so a catch-up may wait for it alone.
 */
export function partitionOfKey(topic: string, count: number, key: string): number {
  return partitioner({ topic, partitionMetadata: layoutOf(count), message: { key, value: null } });
}

/**
 * Of end offsets (as `CatchUp.topicEnds` gives them), only `topic`'s partitions that these keys map to;
 * other topics' stay. Facts about a customer are keyed by its tenant id and facts about a partner alone by
 * the partner's (docs/contract.md), so a catch-up for one request need wait for those partitions only
 * (A-17, S-03). The key's partition is computed from the topic's real partition count: the targets leave
 * out empty partitions, so counting them would place the key wrongly on a topic that is not yet full.
 */
export function endOffsetsOfKeys(
  ends: TopicEnds,
  topic: string,
  keys: readonly string[],
): Map<string, bigint> {
  const ofTopic = (partition: string) => partition.startsWith(`${topic}:`);
  const count = ends.partitionCounts.get(topic);
  if (!count) throw new Error(`the partition count of ${topic} is not among the end offsets asked for`);
  const wanted = new Set(keys.map((key) => `${topic}:${partitionOfKey(topic, count, key)}`));
  return new Map([...ends.targets].filter(([partition]) => !ofTopic(partition) || wanted.has(partition)));
}
