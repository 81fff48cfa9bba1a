import { Inject, Injectable, Logger } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { buildEnvelope, EventEnvelope, OrderRequestedV1, Topics } from '@app/contracts';
import {
  covers,
  Messaging,
  OUTBOX_RETURNING,
  outboxInsert,
  OutboxRow,
  OutboxWritten,
  preparedQuery,
  toOutboxRows,
  withLeases,
} from '@app/messaging';
import { Policy } from '../policy/policy';
import { FACT_TOPICS, FACTS_CONSUMER } from '../projection/facts.consumer';
import { loadViews } from '../projection/gate-views';
import { Decision, decide } from './decide';

export const GATE_POLICY = Symbol('GATE_POLICY');

/** How long a would-be block waits for the fact topics to be applied up to their end (G-11). */
export const CATCH_UP_TIMEOUT_MS = 3000;

/**
 * Decides orders in sets: one catch-up with the fact topics per chunk (G-11), one query loads every
 * view of the chunk, and `decide` runs per order. The decisions (ON CONFLICT DO NOTHING on orderId,
 * G-10) and their outbox rows are written in one statement, which commits them together.
 */
@Injectable()
export class OrderDecider {
  private readonly logger = new Logger(OrderDecider.name);

  constructor(
    private readonly messaging: Messaging,
    private readonly dataSource: DataSource,
    @Inject(GATE_POLICY) readonly policy: Policy,
  ) {}

  private get schema(): string {
    return this.messaging.options.schema;
  }

  /** What the gate would decide now, with no event and no record (G-12, G-13). */
  async preview(orders: readonly OrderRequestedV1[]): Promise<Map<string, Decision>> {
    const views = await loadViews(this.dataSource.manager, this.schema, orders);
    return new Map(orders.map((o) => [o.orderId, decide(views.get(o.orderId)!, this.policy, o)]));
  }

  /**
   * Decides the first delivery of each order and records it; returns the decision events' outbox
   * rows, which the consumer runner publishes as soon as the statement has committed. An order decided
   * before (a redelivery) is left as it was by the insert's ON CONFLICT (G-10).
   *
   * G-11: the orders are judged on the fact topics applied up to their end offsets as of the
   * orders' arrival. `factEnds` are those end offsets when the caller asked for them as the orders
   * arrived (the consumer's prepareChunk); else they are asked for now. The views are loaded while
   * the offsets are on their way, and used only if what was known applied before loading them (by
   * this instance, or committed by the group as last read) already covered the offsets: a fact
   * committed before a statement starts is visible to it.
   * Otherwise the catch-up waits (bounded) and the views are loaded again.
   */
  async decideAndRecord(
    requests: readonly EventEnvelope<OrderRequestedV1>[],
    manager: EntityManager,
    factEnds: Promise<Map<string, bigint>> = this.factEnds(),
  ): Promise<OutboxRow[]> {
    const first = new Map<string, EventEnvelope<OrderRequestedV1>>();
    for (const r of requests) if (!first.has(r.data.orderId)) first.set(r.data.orderId, r);
    const pending = [...first.values()];
    const orders = pending.map((r) => r.data);
    const applied = this.messaging.catchUp.knownApplied(FACTS_CONSUMER);
    let views = await loadViews(manager, this.schema, orders);
    const targets = await factEnds;
    if (!covers(applied, targets)) {
      await this.catchUpWithFacts(targets);
      views = await loadViews(manager, this.schema, orders);
    }
    const decisions = new Map(orders.map((o) => [o.orderId, decide(views.get(o.orderId)!, this.policy, o)]));
    return this.record(pending, decisions, manager);
  }

  /** The fact topics' end offsets now (the targets of the catch-up). */
  factEnds(): Promise<Map<string, bigint>> {
    return this.messaging.catchUp.endOffsets(FACT_TOPICS);
  }

  /**
   * A fact acknowledged before these orders may still be on its way on another topic (G-11): wait,
   * bounded, until the fact topics are applied up to the given end offsets. Every order waits, not
   * only would-be blocks: a withdrawal or a termination acknowledged a moment ago must block too
   * (G-05, D-08). Other instances' progress is read from the stored positions.
   */
  private async catchUpWithFacts(targets: Map<string, bigint>): Promise<void> {
    const caught = await this.messaging.catchUp.waitFor(
      FACTS_CONSUMER,
      this.messaging.groupIdFor(FACTS_CONSUMER),
      targets,
      CATCH_UP_TIMEOUT_MS,
    );
    if (!caught.caughtUp)
      this.logger.warn(`facts not caught up after ${caught.waitedMs} ms, deciding on what is there`);
  }

  private async record(
    requests: readonly EventEnvelope<OrderRequestedV1>[],
    decisions: Map<string, Decision>,
    manager: EntityManager,
  ): Promise<OutboxRow[]> {
    const decidedAt = new Date();
    const envelopes = requests.map((request) => {
      const order = request.data;
      const decision = decisions.get(order.orderId)!;
      return buildEnvelope(
        decision.outcome === 'Approved' ? 'OrderApproved' : 'OrderBlocked',
        {
          orderId: order.orderId,
          partnerId: order.partnerId,
          customerTenantId: order.customerTenantId,
          kind: order.kind,
          requestedAt: order.requestedAt,
          decidedAt: decidedAt.toISOString(),
          reason: decision.reason,
          message: decision.message,
          evidence: decision.evidence,
          policyVersion: decision.policyVersion,
        },
        {
          producer: 'order-gate',
          correlationId: request.correlationId,
          causationId: request.eventId,
          occurredAt: decidedAt,
        },
      );
    });
    const rows = toOutboxRows(
      envelopes.map((envelope) => ({
        topic: Topics.OrdersDecided,
        key: envelope.data.customerTenantId.toLowerCase(),
        envelope,
      })),
    );
    // One statement: the decisions, and the outbox rows of those inserted now (G-10: an order decided
    // before keeps its decision and gets no second event), leased to this instance's relay, which
    // sends them as soon as the statement has committed. Being one statement, it needs no
    // transaction around it (the orders consumer runs with `transaction: false`). Its text is fixed
    // (the rows are array parameters): prepared, so each connection parses it once.
    const outbox = outboxInsert(
      this.schema,
      rows,
      13,
      'u.id IN (SELECT decision_event_id FROM fresh)',
      this.messaging.relay.lease,
    );
    const col = <T>(f: (r: EventEnvelope<OrderRequestedV1>, i: number) => T) => requests.map(f);
    const written = await preparedQuery<OutboxWritten>(
      manager,
      `WITH fresh AS (
         INSERT INTO ${this.schema}.decisions (order_id, partner_id, customer_tenant_id, kind, outcome, reason,
            policy_version, acceptance_event_id, request_event_id, decision_event_id, requested_at, decided_at)
         SELECT * FROM unnest($1::text[], $2::uuid[], $3::uuid[], $4::text[], $5::text[], $6::text[], $7::text[],
                              $8::uuid[], $9::uuid[], $10::uuid[], $11::timestamptz[], $12::timestamptz[])
         ON CONFLICT (order_id) DO NOTHING RETURNING decision_event_id)
       ${outbox.sql}
       ${OUTBOX_RETURNING}`,
      [
        col((r) => r.data.orderId),
        col((r) => r.data.partnerId),
        col((r) => r.data.customerTenantId),
        col((r) => r.data.kind),
        col((r) => decisions.get(r.data.orderId)!.outcome),
        col((r) => decisions.get(r.data.orderId)!.reason),
        col((r) => decisions.get(r.data.orderId)!.policyVersion),
        col((r) => decisions.get(r.data.orderId)!.evidence.acceptanceEventId ?? null),
        col((r) => r.eventId),
        col((_, i) => envelopes[i].eventId),
        col((r) => r.data.requestedAt),
        col(() => decidedAt.toISOString()),
        ...outbox.params,
      ],
    );
    return withLeases(rows, written);
  }
}
