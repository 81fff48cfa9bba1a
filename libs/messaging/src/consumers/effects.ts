/**
 * Where a consumer's effects are written: in a transaction with the delivery's records, or (the
 * `statement-batches` delivery) straight on the pool, each statement committing by itself. The runners call it
 * the same way for either, so the choice is made once, from the delivery.
 */
import { DataSource, EntityManager } from 'typeorm';
import { OutboxRow } from '../outbox';
import { Accepted } from './checked-handlers';
import { ConsumerSpec, HandlerResult } from './consumer-spec';
import { Positions, ProcessedEvents } from './consumer-records';

/** The effects of a delivery: a transaction with the records it asks for, or statements on their own. */
export function effectsOf(spec: ConsumerSpec, dataSource: DataSource, schema: string): Effects {
  const { delivery, name } = spec;
  if (delivery.kind === 'statement-batches') return new Effects(dataSource, 'statements');
  return new Effects(
    dataSource,
    'transaction',
    delivery.dedupe === false ? undefined : new ProcessedEvents(schema, name),
    delivery.trackPositions ? new Positions(schema, name) : undefined,
  );
}

export class Effects {
  constructor(
    private readonly dataSource: DataSource,
    private readonly scope: 'transaction' | 'statements',
    private readonly processed?: ProcessedEvents,
    private readonly positions?: Positions,
  ) {}

  /**
   * Runs `handler` on the first deliveries among `accepted` (all of them, without a processed-events record),
   * with the records of every one of them; returns the outbox rows to publish once it committed.
   */
  async apply(
    accepted: Accepted[],
    handler: (fresh: Accepted[], manager: EntityManager) => Promise<HandlerResult>,
  ): Promise<readonly OutboxRow[]> {
    const messages = accepted.map((a) => a.message);
    const published = await this.run(async (manager) => {
      const fresh = this.processed ? await this.processed.firstDeliveries(accepted, manager) : accepted;
      const result = fresh.length > 0 ? await handler(fresh, manager) : undefined;
      if (this.positions) await this.positions.store(messages, manager);
      return result;
    });
    this.positions?.noteApplied(messages);
    return published;
  }

  /** What this instance has applied and committed, per `topic:partition`, for a delivery that keeps positions. */
  appliedPositions(): ReadonlyMap<string, bigint> {
    return this.positions?.known() ?? NOTHING_APPLIED;
  }

  /** Runs an effect with no record (a refused message's `onInvalid`). */
  async run(work: (manager: EntityManager) => Promise<HandlerResult>): Promise<readonly OutboxRow[]> {
    const effect = async (manager: EntityManager) => (await work(manager)) ?? [];
    return this.scope === 'transaction'
      ? this.dataSource.transaction(effect)
      : effect(this.dataSource.manager);
  }
}

const NOTHING_APPLIED: ReadonlyMap<string, bigint> = new Map();
