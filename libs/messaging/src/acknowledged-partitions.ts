import { RecordMetadata } from 'kafkajs';
import { partitionCountSeen, partitionOfKey } from './key-partition';
import type { Sendable } from './outbox-round';

/**
 * The rows of a batch that no broker acknowledged. kafkajs 2.2.4 can report a multi-partition `sendBatch` as sent
 * while one partition's messages were never written: when a partition's leader moves during a retry to a broker
 * that had already answered for other partitions, the retry skips that broker (producer/sendMessages.js;
 * kafkajs issue #1303). The fault campaign saw 28 decisions lost that way after a broker restart. A row counts as
 * acknowledged when the answer names its partition without an error; a row with no key (placed at random) cannot
 * be checked and is taken as sent.
 */
export function unacknowledged(rows: readonly Sendable[], answer: readonly RecordMetadata[]): Sendable[] {
  const acknowledged = new Set(
    answer.filter((r) => !r.errorCode).map((r) => `${r.topicName}:${r.partition}`),
  );
  return rows.filter((row) => {
    const count = partitionCountSeen(row.topic);
    if (row.key === null || row.key === undefined || count === undefined) return false;
    return !acknowledged.has(`${row.topic}:${partitionOfKey(row.topic, count, row.key)}`);
  });
}
