import { DataSource, EntityManager } from 'typeorm';
import { enqueueEvents, OutboxMessage } from './outbox';
import { OutboxRelay } from './outbox-relay';
import { runSql, sql, table } from './sql';

/** What a state change decided: its result, and the events it causes (none when nothing changed). */
export interface Outcome<T> {
  result: T;
  events: readonly OutboxMessage[];
}

/** The service's own retryable error (503) for events written but not confirmed published in time. */
export type Unconfirmed = () => Error;

/**
 * The service's outbox (rule 6): a state change and the events it causes commit in one transaction,
 * and an answer that reports the change waits until its events are on their topics, so a 2xx means
 * the fact is visible to every consumer (G-11, A-17).
 */
export class TransactionalOutbox {
  constructor(
    private readonly dataSource: DataSource,
    private readonly schema: string,
    private readonly relay: OutboxRelay,
  ) {}

  /** Writes events into the outbox within the caller's transaction; returns their event ids. */
  enqueue(manager: EntityManager, messages: readonly OutboxMessage[]): Promise<string[]> {
    return enqueueEvents(manager, this.schema, messages);
  }

  /**
   * Runs `change` and writes the events it returns to the outbox in one transaction, then waits
   * until they are published. When that is not confirmed in time, throws `unconfirmed()`: the rows
   * stay and the relay publishes them later. An error thrown by `change` rolls everything back.
   */
  async run<T>(
    change: (manager: EntityManager) => Promise<Outcome<T>>,
    unconfirmed: Unconfirmed,
  ): Promise<T> {
    const { result, eventIds } = await this.dataSource.transaction(async (manager) => {
      const outcome = await change(manager);
      return { result: outcome.result, eventIds: await this.enqueue(manager, outcome.events) };
    });
    if (!(await this.relay.flush(eventIds))) throw unconfirmed();
    return result;
  }

  /**
   * For events an earlier change wrote (an answer given again): waits for those still in the
   * outbox, and throws `unconfirmed()` when they are not published in time.
   */
  async confirmPublished(eventIds: readonly string[], unconfirmed: Unconfirmed): Promise<void> {
    if (eventIds.length === 0) return;
    const pending: Array<{ id: string }> = await runSql(
      this.dataSource,
      sql`SELECT id FROM ${table(this.schema, 'outbox')} WHERE id = ANY(${eventIds}::uuid[])`,
    );
    if (pending.length > 0 && !(await this.relay.flush(pending.map((p) => p.id)))) throw unconfirmed();
  }
}
