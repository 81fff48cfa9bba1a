import { randomUUID } from 'crypto';
import { Partitioners } from 'kafkajs';
import { partitionOfKey, targetsForKeys } from './relationship-partitions';

describe('the partitions of partners.relationships one attestation depends on (A-17)', () => {
  const topic = 'partners.relationships';

  it("A-17: places a key where the services' producer places it (Java-compatible murmur2)", () => {
    expect(partitionOfKey(topic, 6, 'a')).toBe(
      Partitioners.DefaultPartitioner()({
        topic,
        partitionMetadata: Array.from({ length: 6 }, (_, partitionId) => ({
          partitionId,
          leader: 0,
          replicas: [0],
          isr: [0],
          partitionErrorCode: 0,
        })),
        message: { key: 'a', value: null },
      }),
    );
    const key = randomUUID();
    expect(partitionOfKey(topic, 6, key)).toBe(partitionOfKey(topic, 6, key));
    expect(partitionOfKey(topic, 6, key)).toBeGreaterThanOrEqual(0);
    expect(partitionOfKey(topic, 6, key)).toBeLessThan(6);
  });

  it("A-17: keeps only the end offsets of the partner's and the customer's partitions", () => {
    const partner = randomUUID();
    const customer = randomUUID();
    const ends = new Map<string, bigint>(
      Array.from({ length: 6 }, (_, p) => [`${topic}:${p}`, BigInt(100 + p)]),
    );
    const targets = targetsForKeys(ends, topic, 6, [partner, customer]);
    const expected = new Set([partitionOfKey(topic, 6, partner), partitionOfKey(topic, 6, customer)]);
    expect([...targets.keys()].sort()).toEqual([...expected].map((p) => `${topic}:${p}`).sort());
    for (const [key, offset] of targets) expect(offset).toBe(ends.get(key));
  });
});
