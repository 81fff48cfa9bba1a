import { randomUUID } from 'crypto';
import { Partitioners } from 'kafkajs';
import { endOffsetsOfKeys, partitionOfKey } from './key-partition';

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

  it("A-17, S-03: keeps only the end offsets of the keys' partitions of the topic, and every other topic's", () => {
    const partner = randomUUID();
    const customer = randomUUID();
    const ends = new Map<string, bigint>([
      ...Array.from({ length: 6 }, (_, p): [string, bigint] => [`${topic}:${p}`, BigInt(100 + p)]),
      ['agreements.templates:0', 7n],
    ]);
    const targets = endOffsetsOfKeys({ targets: ends, partitionCounts: new Map([[topic, 6]]) }, topic, [
      partner,
      customer,
    ]);
    const expected = new Set([partitionOfKey(topic, 6, partner), partitionOfKey(topic, 6, customer)]);
    expect([...targets.keys()].sort()).toEqual(
      [...[...expected].map((p) => `${topic}:${p}`), 'agreements.templates:0'].sort(),
    );
    for (const [key, offset] of targets) expect(offset).toBe(ends.get(key));
  });

  it("A-17, S-03: places the key by the topic's real partition count when other partitions are still empty", () => {
    // On a young topic most partitions hold nothing and are left out of the targets: counting the targets
    // would place the key in the wrong partition, and a catch-up would answer at once for a fact not yet read.
    const count = 6;
    for (let i = 0; i < 50; i++) {
      const partner = randomUUID();
      const partition = partitionOfKey(topic, count, partner);
      const ends = new Map<string, bigint>([[`${topic}:${partition}`, 1n]]);
      const targets = endOffsetsOfKeys({ targets: ends, partitionCounts: new Map([[topic, count]]) }, topic, [
        partner,
      ]);
      expect([...targets]).toEqual([[`${topic}:${partition}`, 1n]]);
    }
  });

  it('refuses to guess when the partition count of the topic was not asked for', () => {
    expect(() => endOffsetsOfKeys({ targets: new Map(), partitionCounts: new Map() }, topic, ['a'])).toThrow(
      /partition count/,
    );
  });
});
