import { RecordMetadata } from 'kafkajs';
import { unacknowledged } from './acknowledged-partitions';
import { NotingPartitioner, partitionOfKey } from './key-partition';
import type { Sendable } from './outbox-round';

/*
 * G-10 / U-01: the relay deletes outbox rows only once a broker acknowledged them. kafkajs can answer a batch as sent
 * with a partition missing from it (a leader that moved during a retry; issue #1303): those rows must stay.
 */
const TOPIC = 'commerce.orders.decided';
const row = (key: string | null): Sendable => ({ topic: TOPIC, key, payload: '{}', headers: {} }) as Sendable;
const answerFor = (partitions: number[], errorCode = 0): RecordMetadata[] =>
  partitions.map(
    (partition) => ({ topicName: TOPIC, partition, errorCode, baseOffset: '0' }) as RecordMetadata,
  );

describe('G-10/U-01: rows whose partition no broker acknowledged are not taken as sent', () => {
  beforeAll(() => {
    // The producer's partitioner notes the topic's 6 partitions on its first send.
    const partitionMetadata = Array.from({ length: 6 }, (_, partitionId) => ({
      partitionId,
      leader: 1,
      replicas: [1],
      isr: [1],
      partitionErrorCode: 0,
    }));
    NotingPartitioner()({ topic: TOPIC, partitionMetadata, message: { key: 'k', value: null } });
  });

  const keys = Array.from({ length: 40 }, (_, i) => `customer-${i}`);
  const partitionOf = (key: string) => partitionOfKey(TOPIC, 6, key);

  it('takes a batch as sent when every partition it went to is in the answer', () => {
    expect(unacknowledged(keys.map(row), answerFor([0, 1, 2, 3, 4, 5]))).toEqual([]);
  });

  it('returns the rows of a partition missing from the answer, and only those', () => {
    const missed = partitionOf(keys[0]);
    const others = [0, 1, 2, 3, 4, 5].filter((p) => p !== missed);
    const left = unacknowledged(keys.map(row), answerFor(others));
    expect(left.length).toBeGreaterThan(0);
    expect(left.map((r) => r.key)).toEqual(keys.filter((k) => partitionOf(k) === missed));
  });

  it('returns the rows of a partition answered with an error', () => {
    const p = partitionOf(keys[3]);
    const answer = [...answerFor([0, 1, 2, 3, 4, 5].filter((x) => x !== p)), ...answerFor([p], 6)];
    expect(unacknowledged(keys.map(row), answer).map((r) => r.key)).toContain(keys[3]);
  });

  it('cannot check a row without a key, nor a topic the producer never sent to', () => {
    expect(unacknowledged([row(null)], [])).toEqual([]);
    expect(unacknowledged([{ ...row('k'), topic: 'never.sent' } as Sendable], [])).toEqual([]);
  });
});
