import { randomUUID } from 'crypto';
import { partitionOfKey } from '@app/messaging';
import { targetsForKeys } from './relationship-partitions';

describe('the partitions of partners.relationships one attestation depends on (A-17)', () => {
  const topic = 'partners.relationships';

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
