import { randomUUID } from 'crypto';
import { Partitioners } from 'kafkajs';
import { partitionOfKey } from './key-partition';

describe('partitionOfKey', () => {
  const topic = 'partners.relationships';

  it("places a key where the services' producer places it (Java-compatible murmur2)", () => {
    const produced = (key: string, count: number) =>
      Partitioners.DefaultPartitioner()({
        topic,
        partitionMetadata: Array.from({ length: count }, (_, partitionId) => ({
          partitionId,
          leader: 0,
          replicas: [0],
          isr: [0],
          partitionErrorCode: 0,
        })),
        message: { key, value: null },
      });
    for (const count of [3, 6, 12])
      for (const key of ['a', randomUUID(), randomUUID()])
        expect(partitionOfKey(topic, count, key)).toBe(produced(key, count));
  });

  it('spreads keys over every partition', () => {
    const spread = new Set(Array.from({ length: 120 }, (_, i) => partitionOfKey(topic, 6, `key-${i}`)));
    expect([...spread].sort()).toEqual([0, 1, 2, 3, 4, 5]);
  });
});
