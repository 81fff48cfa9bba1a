import { Admin } from 'kafkajs';

/**
 * The end offsets of these topics, `topic:partition` → offset, for the partitions that hold
 * something (end > start): nobody can apply anything in an empty partition, so nobody waits for it.
 * One admin request per topic, the topics asked for together.
 */
export async function endOffsets(admin: Admin, topics: readonly string[]): Promise<Map<string, bigint>> {
  const targets = new Map<string, bigint>();
  await Promise.all(
    topics.map(async (topic) => {
      for (const p of await admin.fetchTopicOffsets(topic)) {
        if (BigInt(p.high) > BigInt(p.low)) targets.set(`${topic}:${p.partition}`, BigInt(p.high));
      }
    }),
  );
  return targets;
}
