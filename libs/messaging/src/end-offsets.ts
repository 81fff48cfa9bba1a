import { Admin } from 'kafkajs';

/** A catch-up's targets, and how many partitions each topic has (empty ones included). */
export interface TopicEnds {
  /** `topic:partition` → end offset, for the partitions that hold something (end > start). */
  readonly targets: Map<string, bigint>;
  /** Every partition of each topic, empty or not: where a key lands depends on this count. */
  readonly partitionCounts: ReadonlyMap<string, number>;
}

/**
 * The end offsets of these topics and their partition counts. Targets hold only the partitions that
 * hold something (end > start): nobody can apply anything in an empty partition, so nobody waits for
 * it. One admin request per topic, the topics asked for together.
 */
export async function topicEnds(admin: Admin, topics: readonly string[]): Promise<TopicEnds> {
  const targets = new Map<string, bigint>();
  const partitionCounts = new Map<string, number>();
  await Promise.all(
    topics.map(async (topic) => {
      const partitions = await admin.fetchTopicOffsets(topic);
      partitionCounts.set(topic, partitions.length);
      for (const p of partitions) {
        if (BigInt(p.high) > BigInt(p.low)) targets.set(`${topic}:${p.partition}`, BigInt(p.high));
      }
    }),
  );
  return { targets, partitionCounts };
}

/** The end offsets of these topics, `topic:partition` → offset, for the partitions that hold something. */
export async function endOffsets(admin: Admin, topics: readonly string[]): Promise<Map<string, bigint>> {
  return (await topicEnds(admin, topics)).targets;
}
