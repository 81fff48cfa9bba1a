/**
 * Places a consumer group that has never committed at the current end of its topics, before it joins (tests
 * start their groups there, so they see only their own traffic). Committed before the group runs, so there is
 * no race with messages produced once it is ready.
 */
import { Admin, Kafka } from 'kafkajs';
import { sleep } from './retries';

export async function placeNewGroupAtEnd(
  kafka: Kafka,
  admin: Admin,
  groupId: string,
  topics: readonly string[],
): Promise<void> {
  await retryWhileRetriable(() => placeAtEnd(kafka, admin, groupId, [...topics]));
}

/** kafkajs's admin.setOffsets does the same one topic at a time, and waits out a default 5 s fetch for each. */
async function placeAtEnd(kafka: Kafka, admin: Admin, groupId: string, topics: string[]): Promise<void> {
  const committed = await admin.fetchOffsets({ groupId, topics });
  if (committed.some(({ partitions }) => partitions.some((p) => p.offset !== '-1'))) return;
  const ends = await Promise.all(
    topics.map(async (topic) => ({ topic, offsets: await admin.fetchTopicOffsets(topic) })),
  );
  const placer = kafka.consumer({ groupId, maxWaitTimeInMs: 50 });
  await placer.connect();
  try {
    await placer.subscribe({ topics, fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      placer.on(placer.events.FETCH, () => void placer.stop().then(resolve, reject));
      placer.run({ eachBatchAutoResolve: false, eachBatch: async () => undefined }).catch(reject);
      placer.pause(topics.map((topic) => ({ topic })));
      for (const { topic, offsets } of ends) {
        for (const { partition, high } of offsets) placer.seek({ topic, partition, offset: high });
      }
    });
  } finally {
    await placer.disconnect();
  }
}

/**
 * A broker that has just started answers "not the coordinator" or "coordinator loading" for a
 * while; kafkajs's admin calls do not retry those themselves.
 */
async function retryWhileRetriable<T>(work: () => Promise<T>, timeoutMs = 30000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (let delay = 100; ; delay = Math.min(delay * 2, 2000)) {
    try {
      return await work();
    } catch (err) {
      if (!(err as { retriable?: boolean }).retriable || Date.now() > deadline) throw err;
      await sleep(delay);
    }
  }
}
