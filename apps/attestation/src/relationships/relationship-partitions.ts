import { partitionOfKey } from '@app/messaging';

/**
 * of the end offsets of `topic` (`topic:partition` → offset), only those of the partitions the
 * keys map to. Facts about a customer are keyed by its tenant id and facts about a partner alone by
 * the partner's id (CONTRACT.md), so these partitions hold every fact one attestation depends on.
 */
export function targetsForKeys(
  ends: ReadonlyMap<string, bigint>,
  topic: string,
  count: number,
  keys: readonly string[],
): Map<string, bigint> {
  const wanted = new Set(keys.map((key) => `${topic}:${partitionOfKey(topic, count, key)}`));
  return new Map([...ends].filter(([partition]) => wanted.has(partition)));
}
