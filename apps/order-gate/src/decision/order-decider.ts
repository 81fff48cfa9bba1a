import { Inject, Injectable, Logger } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { buildEnvelope, EventEnvelope, OrderKind, OrderRequestedV1, Topics } from '@app/contracts';
import {
  CatchUp,
  ChunkAbandonedError,
  covers,
  HandlerContext,
  ident,
  InboundMessage,
  join,
  KafkaClients,
  OUTBOX_RETURNING,
  OutboxLease,
  outboxInsert,
  OutboxRelay,
  OutboxRow,
  OutboxWritten,
  preparedQuery,
  raw,
  SERVICE_SCHEMA,
  sql,
  table,
  toOutboxRows,
  withLeases,
} from '@app/messaging';
import { GATE_SETTINGS, GateSettings } from '../config';
import { Policy } from '../policy/policy';
import { FACT_TOPICS, FACTS_CONSUMER } from '../projection/facts.consumer';
import { loadViews } from '../projection/gate-views';
import { Decision, decide } from './decide';
import { factPartitionsOf, PartitionCounts } from './fact-partitions';
import {
  countDecisions,
  decisionsWithoutCompleteFacts,
  observeFactsWait,
  ordersHeldForFacts,
} from './gate-metrics';
import { invalidOrderDecision, readInvalidOrder } from './invalid-order';

export const GATE_POLICY = Symbol('GATE_POLICY');

/**
 * G-11: how long the gate waits for the fact topics before it holds orders (and the longest a pre-check waits
 * before it answers 503); then it polls every HOLD_POLL_MS, heartbeating, until ORDER_GATE_FACTS_MAX_WAIT_MS.
 */
export const FACTS_SHORT_WAIT_MS = 3000;
export const PRECHECK_FACTS_WAIT_MS = 2000;
const HOLD_POLL_MS = 1000;
/**
 * Orders decided and recorded per statement: a fetch's chunk is written in parts of this many, each part's views
 * loaded while the one before is written.
 */
const RECORD_PART = 1000;
/** The fact topics' partition counts change rarely (only by an operator adding partitions). */
const PARTITION_COUNTS_MAX_AGE_MS = 60_000;

/** One decision to record: what is known of the order, and how it was decided. */
interface DecisionRecord {
  orderId: string;
  partnerId?: string;
  customerTenantId?: string;
  kind?: OrderKind;
  requestedAt?: string;
  requestEventId: string | null;
  correlationId: string | null;
  decision: Decision;
  factsComplete: boolean;
}

const toRecord = (
  request: EventEnvelope<OrderRequestedV1>,
  decision: Decision,
  factsComplete: boolean,
): DecisionRecord => ({
  orderId: request.data.orderId,
  partnerId: request.data.partnerId,
  customerTenantId: request.data.customerTenantId,
  kind: request.data.kind,
  requestedAt: request.data.requestedAt,
  requestEventId: request.eventId,
  correlationId: request.correlationId,
  decision,
  factsComplete,
});

/**
 * Decides orders in sets: one catch-up with the fact topics per chunk (G-11), one query loads the views of up to
 * RECORD_PART orders, and `decide` runs per order. Those decisions (ON CONFLICT DO NOTHING on orderId, G-10) and
 * their outbox rows are written in one statement, which commits them together.
 */
@Injectable()
export class OrderDecider {
  private readonly logger = new Logger(OrderDecider.name);
  private partitionCounts?: { at: number; counts: Promise<PartitionCounts> };

  constructor(
    private readonly catchUp: CatchUp,
    private readonly relay: OutboxRelay,
    private readonly kafka: KafkaClients,
    private readonly dataSource: DataSource,
    @Inject(SERVICE_SCHEMA) private readonly schema: string,
    @Inject(GATE_POLICY) readonly policy: Policy,
    @Inject(GATE_SETTINGS) private readonly settings: GateSettings,
  ) {}

  /** What the gate would decide now, with no event and no record (G-12, G-13). */
  async preview(orders: readonly OrderRequestedV1[]): Promise<Map<string, Decision>> {
    const views = await loadViews(this.dataSource.manager, this.schema, orders);
    return new Map(orders.map((o) => [o.orderId, decide(views.get(o.orderId)!, this.policy, o)]));
  }

  /**
   * The pre-check's judgement (G-11, G-12): what the gate would decide now, once the facts these orders are
   * judged on are read up to now; undefined when they are not within PRECHECK_FACTS_WAIT_MS (the caller answers
   * 503 rather than guess).
   */
  async previewWhenCaughtUp(orders: readonly OrderRequestedV1[]): Promise<Map<string, Decision> | undefined> {
    const targets = await this.factEnds();
    if (!covers(this.catchUp.knownApplied(FACTS_CONSUMER), targets)) {
      const needs = await this.factNeeds(orders, targets);
      const relevant = new Map([...targets].filter(([key]) => orders.some((o) => needs(o).includes(key))));
      const caught = await this.waitForFacts(relevant, PRECHECK_FACTS_WAIT_MS);
      if (!caught.caughtUp) return undefined;
    }
    return this.preview(orders);
  }

  /**
   * Decides the first delivery of each order and records it; returns the decision events' outbox
   * rows, which the consumer runner publishes as soon as the statements have committed. An order decided
   * before (a redelivery) is left as it was by the insert's ON CONFLICT (G-10).
   *
   * G-11: the orders are judged on the fact topics applied up to their end offsets as of the
   * orders' arrival. `factEnds` are those end offsets when the caller asked for them as the orders
   * arrived (the delivery's prepare, once for a whole fetch); else they are asked for now. The first
   * part's views are loaded while the offsets are on their way, and used only if what was known applied
   * before loading them (by this instance, or committed by the group as last read) already covered the
   * offsets: a fact committed before a statement starts is visible to it, and to every later part's.
   * Otherwise see `decideOnceCaughtUp`.
   */
  async decideAndRecord(
    requests: readonly EventEnvelope<OrderRequestedV1>[],
    manager: EntityManager,
    factEnds: Promise<Map<string, bigint>> = this.factEnds(),
    context?: HandlerContext,
  ): Promise<OutboxRow[]> {
    const first = new Map<string, EventEnvelope<OrderRequestedV1>>();
    for (const r of requests) if (!first.has(r.data.orderId)) first.set(r.data.orderId, r);
    const pending = [...first.values()];
    if (pending.length === 0) return [];
    const applied = this.catchUp.knownApplied(FACTS_CONSUMER);
    const parts: EventEnvelope<OrderRequestedV1>[][] = [];
    for (let i = 0; i < pending.length; i += RECORD_PART) parts.push(pending.slice(i, i + RECORD_PART));
    const viewsOf = (part: readonly EventEnvelope<OrderRequestedV1>[]) =>
      loadViews(
        manager,
        this.schema,
        part.map((r) => r.data),
      );
    let views = viewsOf(parts[0]);
    const targets = await factEnds.catch(async (err: unknown) => {
      await views.catch(() => undefined);
      throw err;
    });
    if (!covers(applied, targets)) {
      await views.catch(() => undefined);
      return this.decideOnceCaughtUp(pending, targets, manager, context);
    }
    // The parts in order, each recorded by one statement; the next part's views load while this one is
    // decided and recorded, so the database and this process work at the same time.
    const written: OutboxRow[] = [];
    for (let i = 0; i < parts.length; i++) {
      const loaded = await views;
      if (i + 1 < parts.length) {
        views = viewsOf(parts[i + 1]);
        views.catch(() => undefined);
      }
      const records = parts[i].map((r) =>
        toRecord(r, decide(loaded.get(r.data.orderId)!, this.policy, r.data), true),
      );
      try {
        written.push(...(await this.record(records, manager, this.relay.lease)));
      } catch (err) {
        await views.catch(() => undefined);
        throw err;
      }
    }
    return written;
  }

  /**
   * G-14: the answer to a request that failed validation, when its orderId can be read: blocked with
   * InvalidOrder, once per orderId like any decision (G-10). The runner then copies the request to the `.dlq`.
   */
  async recordInvalid(message: InboundMessage, reason: string, manager: EntityManager): Promise<OutboxRow[]> {
    const request = readInvalidOrder(message.value);
    if (!request) return [];
    const { eventId, ...order } = request;
    const record = { ...order, requestEventId: eventId, decision: invalidOrderDecision(this.policy, reason) };
    return this.record([{ ...record, factsComplete: true }], manager, this.relay.lease);
  }

  /** The fact topics' end offsets now (the targets of the catch-up). */
  factEnds(): Promise<Map<string, bigint>> {
    return this.catchUp.endOffsets(FACT_TOPICS);
  }

  /**
   * A fact acknowledged before these orders may still be on its way on another topic (G-11). Every order waits,
   * not only would-be blocks: a withdrawal or a termination acknowledged a moment ago must block too (G-05, D-08).
   * Each order waits only for the fact partitions it is judged on (its customer's, its partners', the
   * templates'), so an order whose facts are read is decided at once while others are held. After
   * FACTS_SHORT_WAIT_MS the rest are held: no decision, a heartbeat every HOLD_POLL_MS so the group keeps them
   * here, and the catch-up tried again, until ORDER_GATE_FACTS_MAX_WAIT_MS has passed; then they are decided on
   * what has been read, with `factsComplete: false`, and counted. Decisions taken while others are held are
   * written for the relay rounds (and the relay woken); the last set is returned to be sent on commit.
   */
  private async decideOnceCaughtUp(
    pending: readonly EventEnvelope<OrderRequestedV1>[],
    targets: Map<string, bigint>,
    manager: EntityManager,
    context?: HandlerContext,
  ): Promise<OutboxRow[]> {
    const needs = await this.factNeeds(
      pending.map((r) => r.data),
      targets,
    );
    const waitStarted = Date.now();
    const deadline = waitStarted + this.settings.factsMaxWaitMs;
    let waiting = pending;
    let held = 0;
    try {
      for (;;) {
        const relevant = new Map(
          [...targets].filter(([key]) => waiting.some((r) => needs(r.data).includes(key))),
        );
        const slice = held > 0 ? HOLD_POLL_MS : FACTS_SHORT_WAIT_MS;
        const caught = await this.waitForFacts(relevant, Math.max(0, Math.min(slice, deadline - Date.now())));
        const ready = waiting.filter((r) => !needs(r.data).some((key) => caught.remaining.has(key)));
        const behind = waiting.filter((r) => !ready.includes(r));
        const blind = behind.length > 0 && Date.now() >= deadline;
        if (behind.length === 0 || blind) {
          if (blind) {
            decisionsWithoutCompleteFacts.inc(behind.length);
            this.logger.warn(
              `${behind.length} order(s) decided without the facts read up to their arrival (waited ${this.settings.factsMaxWaitMs} ms; behind: ${[...caught.remaining].join(', ')})`,
            );
          }
          observeFactsWait(Date.now() - waitStarted, waiting.length);
          const records = await this.judge(ready, true, manager);
          records.push(...(await this.judge(behind, false, manager)));
          return this.record(records, manager, this.relay.lease);
        }
        if (ready.length > 0) {
          observeFactsWait(Date.now() - waitStarted, ready.length);
          await this.record(await this.judge(ready, true, manager), manager);
          this.relay.wake();
        }
        if (held === 0)
          this.logger.warn(
            `holding ${behind.length} order(s): the facts are not read up to their arrival after ${FACTS_SHORT_WAIT_MS} ms (behind: ${[...caught.remaining].join(', ')})`,
          );
        ordersHeldForFacts.inc(behind.length - held);
        held = behind.length;
        waiting = behind;
        if (context && !context.isRunning())
          throw new ChunkAbandonedError(`stopping while ${held} order(s) wait for their facts`);
        await context?.heartbeat();
      }
    } finally {
      ordersHeldForFacts.dec(held);
    }
  }

  /** Loads the views of these orders now and decides them. */
  private async judge(
    requests: readonly EventEnvelope<OrderRequestedV1>[],
    factsComplete: boolean,
    manager: EntityManager,
  ): Promise<DecisionRecord[]> {
    if (requests.length === 0) return [];
    const views = await loadViews(
      manager,
      this.schema,
      requests.map((r) => r.data),
    );
    return requests.map((r) =>
      toRecord(r, decide(views.get(r.data.orderId)!, this.policy, r.data), factsComplete),
    );
  }

  private waitForFacts(targets: Map<string, bigint>, timeoutMs: number) {
    return this.catchUp.waitFor(FACTS_CONSUMER, targets, timeoutMs);
  }

  /** Per order, the `topic:partition`s among the targets that it is judged on (all of them if that is not known). */
  private async factNeeds(
    orders: readonly OrderRequestedV1[],
    targets: Map<string, bigint>,
  ): Promise<(order: OrderRequestedV1) => readonly string[]> {
    const counts = await this.factPartitionCounts();
    const all = [...targets.keys()];
    const byOrder = new Map(
      orders.map((o) => [o, factPartitionsOf(o, counts)?.filter((k) => targets.has(k)) ?? all]),
    );
    return (order) => byOrder.get(order) ?? all;
  }

  /** The fact topics' partition counts, cached; empty when they cannot be read (then every partition counts). */
  private factPartitionCounts(): Promise<PartitionCounts> {
    if (!this.partitionCounts || Date.now() - this.partitionCounts.at > PARTITION_COUNTS_MAX_AGE_MS) {
      const counts = this.kafka.admin
        .fetchTopicMetadata({ topics: [...FACT_TOPICS] })
        .then(({ topics }) => new Map(topics.map((t) => [t.name, t.partitions.length])))
        .catch((err: unknown) => {
          this.logger.warn(
            `fact topics' partition counts not read, waiting for every partition: ${String(err)}`,
          );
          this.partitionCounts = undefined;
          return new Map<string, number>();
        });
      this.partitionCounts = { at: Date.now(), counts };
    }
    return this.partitionCounts.counts;
  }

  /**
   * One statement: the decisions, and the outbox rows of those inserted now (G-10: an order decided before keeps
   * its decision and gets no second event). With `lease`, the rows are leased to this instance's relay, which
   * sends them as soon as the statement has committed. Being one statement, it needs no transaction around it
   * (the orders consumer's delivery is `statement-batches`). Its text is fixed (the rows are array parameters):
   * prepared, so each connection parses it once.
   */
  private async record(
    records: readonly DecisionRecord[],
    manager: EntityManager,
    lease?: OutboxLease,
  ): Promise<OutboxRow[]> {
    if (records.length === 0) return [];
    const decidedAt = new Date();
    const envelopes = records.map((r) =>
      buildEnvelope(
        r.decision.outcome === 'Approved' ? 'OrderApproved' : 'OrderBlocked',
        {
          orderId: r.orderId,
          partnerId: r.partnerId,
          customerTenantId: r.customerTenantId,
          kind: r.kind,
          requestedAt: r.requestedAt,
          decidedAt: decidedAt.toISOString(),
          reason: r.decision.reason,
          message: r.decision.message,
          evidence: r.decision.evidence,
          // G-15: only on a block while an enhanced attestation awaits the customer.
          ...(r.decision.pendingAttestation ? { pendingAttestation: r.decision.pendingAttestation } : {}),
          factsComplete: r.factsComplete,
          policyVersion: r.decision.policyVersion,
        },
        {
          producer: 'order-gate',
          correlationId: r.correlationId ?? undefined,
          causationId: r.requestEventId,
          occurredAt: decidedAt,
        },
      ),
    );
    const rows = toOutboxRows(
      envelopes.map((envelope, i) => ({
        topic: Topics.OrdersDecided,
        // docs/contract.md keys decisions by customer; an InvalidOrder without a readable one by its orderId (G-14).
        key: records[i].customerTenantId ?? records[i].orderId,
        envelope,
      })),
    );
    const col = <T>(f: (r: DecisionRecord, i: number) => T) => records.map(f);
    // Each column beside its type and values: one array parameter per column, whatever the number of records.
    const columns: Array<[name: string, type: string, values: unknown[]]> = [
      ['order_id', 'text', col((r) => r.orderId)],
      ['partner_id', 'uuid', col((r) => r.partnerId ?? null)],
      ['customer_tenant_id', 'uuid', col((r) => r.customerTenantId ?? null)],
      ['kind', 'text', col((r) => r.kind ?? null)],
      ['outcome', 'text', col((r) => r.decision.outcome)],
      ['reason', 'text', col((r) => r.decision.reason)],
      ['policy_version', 'text', col((r) => r.decision.policyVersion)],
      ['acceptance_event_id', 'uuid', col((r) => r.decision.evidence.acceptanceEventId ?? null)],
      ['request_event_id', 'uuid', col((r) => r.requestEventId)],
      ['decision_event_id', 'uuid', col((_, i) => envelopes[i].eventId)],
      ['requested_at', 'timestamptz', col((r) => r.requestedAt ?? null)],
      ['decided_at', 'timestamptz', col(() => decidedAt.toISOString())],
      ['facts_complete', 'boolean', col((r) => r.factsComplete)],
    ];
    const names = join(columns.map(([name]) => ident(name)));
    const arrays = join(columns.map(([, type, values]) => sql`${values}::${raw(type)}[]`));
    const fresh = sql`u.id IN (SELECT decision_event_id FROM fresh)`;
    const written = await preparedQuery<OutboxWritten>(
      manager,
      sql`WITH fresh AS (
         INSERT INTO ${table(this.schema, 'decisions')} (${names})
         SELECT * FROM unnest(${arrays})
         ON CONFLICT (order_id) DO NOTHING RETURNING decision_event_id)
       ${outboxInsert(this.schema, rows, fresh, lease)}
       ${OUTBOX_RETURNING}`,
    );
    const inserted = new Set(written.map((w) => w.id));
    countDecisions(
      records.filter((_, i) => inserted.has(envelopes[i].eventId)),
      decidedAt,
    );
    return lease ? withLeases(rows, written) : [];
  }
}
