import { Admin } from 'kafkajs';
import { DataSource } from 'typeorm';
import { endOffsets, topicEnds, TopicEnds } from './end-offsets';
import { runSql, sql, Sql, table } from './sql';

/** Whether what is known applied (next offset per `topic:partition`) reaches every target. */
export function covers(known: ReadonlyMap<string, bigint>, targets: ReadonlyMap<string, bigint>): boolean {
  for (const [key, target] of targets) if ((known.get(key) ?? -1n) < target) return false;
  return true;
}

export interface CatchUpResult {
  caughtUp: boolean;
  waitedMs: number;
  /** The `topic:partition`s not applied up to their target yet (empty when caught up). */
  remaining: ReadonlySet<string>;
}

/** What a catch-up knows of the service's consumers (ConsumerRegistry). */
export interface ConsumerGroups {
  groupIdFor(consumer: string): string;
  /** What this instance's own consumer has applied and committed (no query), when it runs here. */
  appliedPositions(consumer: string): ReadonlyMap<string, bigint> | undefined;
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
  private readonly positions: Sql;
  /** Per consumer, the group's committed offsets as last read (see knownApplied). */
  private readonly committed = new Map<string, Map<string, bigint>>();

  /**
   * @param groups the consumers' group ids, and what this instance's own consumer has applied: when
   *   that already covers the targets, the database is not asked at all.
   */
  constructor(
    private readonly admin: Admin,
    private readonly dataSource: DataSource,
    schema: string,
    private readonly groups: ConsumerGroups,
  ) {
    this.positions = table(schema, 'consumer_positions');
  }

  /** The topics' end offsets now, for the partitions that hold something (the targets of a catch-up). */
  endOffsets(topics: readonly string[]): Promise<Map<string, bigint>> {
    return endOffsets(this.admin, topics);
  }

  /** The same targets, with each topic's partition count (for `endOffsetsOfKeys`). */
  topicEnds(topics: readonly string[]): Promise<TopicEnds> {
    return topicEnds(this.admin, topics);
  }

  /**
   * What is known, without asking anyone, to be applied by the group of `consumer`, per
   * `topic:partition` (next offset): this instance's own applied positions, and the group's
   * committed offsets as last read (they only move forward; a partition that receives nothing
   * keeps answering from here). A snapshot: what it says was applied was committed before now.
   */
  knownApplied(consumer: string): Map<string, bigint> {
    const known = new Map(this.committed.get(consumer) ?? []);
    for (const [key, next] of this.groups.appliedPositions(consumer) ?? []) {
      if (next > (known.get(key) ?? -1n)) known.set(key, next);
    }
    return known;
  }

  /** Waits until the group of `consumer` has applied every target, or `timeoutMs` has passed. */
  async waitFor(
    consumer: string,
    targets: ReadonlyMap<string, bigint>,
    timeoutMs: number,
    pollMs = 10,
  ): Promise<CatchUpResult> {
    const started = Date.now();
    let committedChecked = false;
    const remaining = new Map(targets);
    const dropKnown = () => {
      const known = this.knownApplied(consumer);
      for (const [key, target] of remaining) if ((known.get(key) ?? -1n) >= target) remaining.delete(key);
    };
    dropKnown();
    const result = (caughtUp: boolean) => ({
      caughtUp,
      waitedMs: Date.now() - started,
      remaining: new Set(remaining.keys()),
    });
    if (remaining.size === 0) return result(true);
    for (;;) {
      const rows: Array<{ topic: string; partition: number; next_offset: string }> = await runSql(
        this.dataSource,
        sql`SELECT topic, partition, next_offset FROM ${this.positions} WHERE consumer = ${consumer}`,
      );
      for (const row of rows) {
        const key = `${row.topic}:${row.partition}`;
        const target = remaining.get(key);
        if (target !== undefined && BigInt(row.next_offset) >= target) remaining.delete(key);
      }
      dropKnown();
      if (remaining.size > 0 && !committedChecked) {
        committedChecked = true;
        await this.readCommitted(consumer, remaining);
        dropKnown();
      }
      if (remaining.size === 0) return result(true);
      if (Date.now() - started >= timeoutMs) return result(false);
      await new Promise((r) => setTimeout(r, pollMs));
    }
  }

  /** Reads the group's committed offsets of these partitions' topics into the cache. */
  private async readCommitted(consumer: string, remaining: Map<string, bigint>): Promise<void> {
    const topics = [...new Set([...remaining.keys()].map((k) => k.slice(0, k.lastIndexOf(':'))))];
    const groupId = this.groups.groupIdFor(consumer);
    const committed = await this.admin.fetchOffsets({ groupId, topics });
    const cache = this.committed.get(consumer) ?? new Map<string, bigint>();
    this.committed.set(consumer, cache);
    for (const { topic, partitions } of committed) {
      for (const p of partitions) {
        if (p.offset === '-1') continue;
        const key = `${topic}:${p.partition}`;
        const offset = BigInt(p.offset);
        if (offset > (cache.get(key) ?? -1n)) cache.set(key, offset);
      }
    }
  }
}
