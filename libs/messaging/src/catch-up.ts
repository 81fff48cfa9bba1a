import { Admin } from 'kafkajs';
import { DataSource } from 'typeorm';
import { EndOffsets } from './end-offsets';
import { quoteIdent } from './schema';

export interface CatchUpResult {
  caughtUp: boolean;
  waitedMs: number;
}

/**
 * Answers "has this service applied every message that was on these topics when I asked?".
 * The targets are the topics' end offsets now; the progress is what the consumer stored with its
 * effects (consumer_positions), or, for partitions it has not touched since its group was placed,
 * the group's committed offset. Bounded: after `timeoutMs` it says how far it got.
 *
 * This is what lets a service judge with a fact acknowledged a moment ago on another topic
 * (G-11 for the gate, A-17 for attestation) without reading another service's tables.
 */
export class CatchUp {
  private readonly positions: string;

  /**
   * @param localPositions what this instance's own consumer has applied and committed (no query):
   *   when it already covers the targets, the database is not asked at all.
   * @param ends where end offsets come from (default: the admin, topic by topic).
   */
  constructor(
    private readonly admin: Admin,
    private readonly dataSource: DataSource,
    schema: string,
    private readonly localPositions: (consumer: string) => ReadonlyMap<string, bigint> | undefined = () =>
      undefined,
    private readonly ends: EndOffsets = new EndOffsets(undefined, admin),
  ) {
    this.positions = `${quoteIdent(schema)}.consumer_positions`;
  }

  async endOffsets(topics: readonly string[]): Promise<Map<string, bigint>> {
    return this.ends.of(topics);
  }

  async waitFor(
    consumer: string,
    groupId: string,
    targets: Map<string, bigint>,
    timeoutMs: number,
    pollMs = 10,
  ): Promise<CatchUpResult> {
    const started = Date.now();
    let committedChecked = false;
    const remaining = new Map(targets);
    const local = this.localPositions(consumer);
    const dropLocal = () => {
      if (local)
        for (const [key, target] of remaining) if ((local.get(key) ?? -1n) >= target) remaining.delete(key);
    };
    dropLocal();
    if (remaining.size === 0) return { caughtUp: true, waitedMs: Date.now() - started };
    for (;;) {
      const rows: Array<{ topic: string; partition: number; next_offset: string }> =
        await this.dataSource.query(
          `SELECT topic, partition, next_offset FROM ${this.positions} WHERE consumer = $1`,
          [consumer],
        );
      for (const row of rows) {
        const key = `${row.topic}:${row.partition}`;
        const target = remaining.get(key);
        if (target !== undefined && BigInt(row.next_offset) >= target) remaining.delete(key);
      }
      dropLocal();
      if (remaining.size > 0 && !committedChecked) {
        committedChecked = true;
        await this.dropCommitted(groupId, remaining);
      }
      const waitedMs = Date.now() - started;
      if (remaining.size === 0) return { caughtUp: true, waitedMs };
      if (waitedMs >= timeoutMs) return { caughtUp: false, waitedMs };
      await new Promise((r) => setTimeout(r, pollMs));
    }
  }

  private async dropCommitted(groupId: string, remaining: Map<string, bigint>): Promise<void> {
    const topics = [...new Set([...remaining.keys()].map((k) => k.slice(0, k.lastIndexOf(':'))))];
    const committed = await this.admin.fetchOffsets({ groupId, topics });
    for (const { topic, partitions } of committed) {
      for (const p of partitions) {
        const key = `${topic}:${p.partition}`;
        const target = remaining.get(key);
        if (target !== undefined && p.offset !== '-1' && BigInt(p.offset) >= target) remaining.delete(key);
      }
    }
  }
}
