import { randomUUID } from 'crypto';
import { Logger } from '@nestjs/common';
import { Producer } from 'kafkajs';
import { DataSource } from 'typeorm';
import { unacknowledged } from './acknowledged-partitions';
import { partitionCountSeen, partitionOfKey } from './key-partition';
import { OutboxLease, OutboxRow } from './outbox';
import { publishRound, Sendable } from './outbox-round';
import { PublicationWaiters } from './publication-waiters';
import { runSql, sql, Sql, table } from './sql';

export interface OutboxRelayOptions {
  schema: string;
  /** Rows claimed per round. */
  batchSize?: number;
  /** How often an idle relay looks for rows that nobody woke it for (another instance's, late commits). */
  idleIntervalMs?: number;
  /**
   * How long rows written under this relay's lease are its own to send on commit (publishNow): if
   * this process dies before sending them, any relay sends them once the lease has expired.
   */
  leaseSeconds?: number;
}

/**
 * Publishes outbox rows to Kafka, in rounds (see publishRound) while it runs: several instances
 * share the work and each customer's events stay in order across them. Publication is at least
 * once: a crash between send and commit re-sends, and consumers dedupe by eventId.
 *
 * Rows written under this relay's `lease` are not claimed by any round while the lease lives:
 * `publishNow` sends them itself as soon as their transaction commits, then deletes them.
 */
export class OutboxRelay {
  private readonly logger = new Logger(OutboxRelay.name);
  private readonly table: Sql;
  private readonly batchSize: number;
  private readonly idleIntervalMs: number;
  private readonly waiters = new PublicationWaiters();
  private running = false;
  private loop?: Promise<void>;
  private wakeUp?: () => void;
  private woken = false;
  private failures = 0;
  /** Rows of ours sent on commit, waiting to be deleted (one delete at a time, taking all waiting). */
  private sentToDelete: string[] = [];
  private deleting?: Promise<void>;
  /**
   * After a send on commit failed, the rows it released wait for the relay rounds; a later row of
   * the same key must not overtake them, so publishNow releases everything to the rounds until
   * a round finds nothing left to publish (and a lease it could not release has expired).
   */
  private handingOver = false;
  private handOverUntil = 0;
  /** Rows written under this lease are this relay's to send (see OutboxLease). */
  readonly lease: OutboxLease;

  constructor(
    private readonly dataSource: DataSource,
    private readonly producer: Producer,
    options: OutboxRelayOptions,
  ) {
    this.table = table(options.schema, 'outbox');
    this.batchSize = options.batchSize ?? 500;
    this.idleIntervalMs = options.idleIntervalMs ?? 250;
    this.lease = { owner: randomUUID(), seconds: options.leaseSeconds ?? 10 };
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.wake();
    await this.loop;
    await this.deleting;
    await this.deleteSent();
    this.waiters.giveUpAll();
  }

  wake(): void {
    this.woken = true;
    this.wakeUp?.();
  }

  /**
   * Wakes the relay and waits until every given event is on its topic. Resolves false when the
   * time is up; the rows then stay in the outbox and are published later: nothing is lost.
   */
  flush(eventIds: readonly string[], timeoutMs = 5000): Promise<boolean> {
    if (eventIds.length === 0) return Promise.resolve(true);
    const published = this.waiters.add(eventIds, timeoutMs, () => this.checkForeignPublications());
    this.wake();
    return published;
  }

  /**
   * Publishes these rows now, without waiting for a relay round: for a consumer whose output is on
   * its latency path (the gate's decisions). Only rows written under this relay's lease are sent
   * here, in their order, straight from memory (what the caller wrote, not read back); the others
   * are the relay rounds', which are woken. Sent rows are deleted afterwards, off the caller's path;
   * a crash before that re-sends them when the lease expires (at least once, as always). If the
   * send fails, the rows are released to the relay rounds. Never throws.
   */
  async publishNow(rows: readonly OutboxRow[]): Promise<void> {
    await this.sendNow(rows);
  }

  /**
   * publishNow, telling whether every row was sent here (true), or some were left to the relay rounds
   * (false: a caller that answers only once its events are published then waits with `flush`).
   */
  async sendNow(rows: readonly OutboxRow[]): Promise<boolean> {
    if (rows.length === 0) return true;
    const mine = rows.filter((r) => r.leased);
    if (mine.length < rows.length) this.wake();
    if (mine.length === 0) return false;
    if (this.handingOver) {
      await this.release(mine);
      return false;
    }
    try {
      await this.send(mine);
    } catch (err) {
      this.logger.warn(
        `publishing ${mine.length} event(s) now failed, the relay takes them: ${errText(err)}`,
      );
      this.handingOver = true;
      await this.release(mine);
      return false;
    }
    const ids = mine.map((r) => r.id);
    this.markPublished(ids);
    this.sentToDelete.push(...ids);
    this.deleting ??= this.deleteSent();
    return mine.length === rows.length;
  }

  /** Gives leased rows back to the relay rounds (a lease that cannot be released expires). */
  private async release(rows: readonly OutboxRow[]): Promise<void> {
    try {
      const ids = rows.map((r) => r.id);
      await runSql(
        this.dataSource,
        sql`UPDATE ${this.table} SET lease_owner = NULL, lease_until = NULL
             WHERE id = ANY(${ids}::uuid[]) AND lease_owner = ${this.lease.owner}`,
      );
    } catch (err) {
      this.handOverUntil = Date.now() + this.lease.seconds * 1000;
      this.logger.warn(
        `could not release ${rows.length} leased event(s), they wait for the lease to expire: ${errText(err)}`,
      );
    }
    this.wake();
  }

  /**
   * Deletes the rows sent on commit, all that are waiting in one statement. Losing this commit in a
   * crash only re-sends them once the lease expires: it need not wait for the disk.
   */
  private async deleteSent(): Promise<void> {
    try {
      while (this.sentToDelete.length > 0) {
        const ids = this.sentToDelete.splice(0, this.sentToDelete.length);
        if (!ids.every((id) => UUID.test(id))) throw new Error('outbox ids are UUIDs');
        try {
          // The ids (checked UUIDs) are written into the statement, so that the three share one round trip.
          const { text } = this.table.toQuery();
          await this.dataSource.query(
            `BEGIN; SET LOCAL synchronous_commit = off;
             DELETE FROM ${text} WHERE id = ANY('{${ids.join(',')}}'::uuid[]); COMMIT`,
          );
        } catch (err) {
          this.sentToDelete.unshift(...ids);
          this.logger.warn(
            `could not delete ${ids.length} sent event(s) from the outbox yet: ${errText(err)}`,
          );
          if (!this.running) return;
          await new Promise((r) => setTimeout(r, 1000));
        }
      }
    } finally {
      this.deleting = undefined;
    }
  }

  /**
   * Sends rows in order, at most `batchSize` per request: a consumer's whole fetch sent on commit would pass the
   * broker's largest message (a partition's record batch) in one.
   */
  private async send(rows: readonly Sendable[]): Promise<void> {
    for (let i = 0; i < rows.length; i += this.batchSize)
      await this.sendPart(rows.slice(i, i + this.batchSize));
  }

  private async sendPart(rows: readonly Sendable[]): Promise<void> {
    const byTopic = new Map<string, Sendable[]>();
    for (const row of rows) {
      const list = byTopic.get(row.topic);
      if (list) list.push(row);
      else byTopic.set(row.topic, [row]);
    }
    const answer = await this.producer.sendBatch({
      acks: -1,
      topicMessages: [...byTopic].map(([topic, topicRows]) => ({
        topic,
        messages: topicRows.map((r) => ({ key: r.key, value: r.payload, headers: r.headers })),
      })),
    });
    // A batch the client calls sent may miss a partition (acknowledged-partitions.ts): then it is not sent, the
    // rows stay, and the next round sends them all again (consumers drop the ones they already have by eventId).
    const missed = unacknowledged(rows, answer);
    if (missed.length > 0)
      throw new Error(
        `the brokers acknowledged no write for ${missed.length} of ${rows.length} message(s) (partitions ${[
          ...new Set(
            missed.map((r) => `${r.topic}:${partitionOfKey(r.topic, partitionCountSeen(r.topic)!, r.key!)}`),
          ),
        ].join(', ')}): sent again`,
      );
  }

  /** Publishes whatever is pending now; used by tests and at shutdown. */
  async drain(): Promise<number> {
    let total = 0;
    for (;;) {
      const n = await this.publishRound();
      total += n;
      if (n === 0) return total;
    }
  }

  private async run(): Promise<void> {
    while (this.running) {
      let published: number;
      try {
        published = await this.publishRound();
        this.failures = 0;
      } catch (err) {
        this.failures++;
        const delay = Math.min(5000, 100 * 2 ** Math.min(this.failures, 6));
        this.logger.warn(
          `outbox publish failed (attempt ${this.failures}), retrying in ${delay} ms: ${errText(err)}`,
        );
        await this.sleep(delay);
        continue;
      }
      if (published > 0) continue;
      // Nothing left for the rounds: what a failed send on commit released has gone out.
      if (this.handingOver && Date.now() >= this.handOverUntil) this.handingOver = false;
      if (this.waiters.size > 0) await this.checkForeignPublications();
      if (!this.woken) await this.sleep(this.waiters.size > 0 ? 20 : this.idleIntervalMs);
      this.woken = false;
    }
  }

  private async publishRound(): Promise<number> {
    this.woken = false;
    const ids = await publishRound(this.dataSource, this.table, this.batchSize, (rows) => this.send(rows));
    this.markPublished(ids);
    return ids.length;
  }

  private markPublished(ids: readonly string[]): void {
    if (this.waiters.size > 0) this.waiters.markPublished(ids);
  }

  /** Rows another instance's relay claimed disappear from the table without passing through us. */
  private async checkForeignPublications(): Promise<void> {
    const ids = this.waiters.pendingIds();
    if (ids.length === 0) return;
    try {
      const stillThere: Array<{ id: string }> = await runSql(
        this.dataSource,
        sql`SELECT id FROM ${this.table} WHERE id = ANY(${ids}::uuid[])`,
      );
      const remaining = new Set(stillThere.map((r) => r.id));
      this.markPublished(ids.filter((id) => !remaining.has(id)));
    } catch (err) {
      this.logger.warn(`outbox check failed: ${errText(err)}`);
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wakeUp = done;
    });
  }
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function errText(err: unknown): string {
  return err instanceof Error ? `${err.name}: ${err.message}` : String(err);
}
