import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { buildEnvelope, EventEnvelope, OrderRequestedV1, Topics } from '@app/contracts';
import { Messaging } from '@app/messaging';
import { ACCEPTANCE_FACTS_CONSUMER } from '../projection/acceptance-facts.consumer';
import { loadPairView } from '../projection/acceptance-projection';
import { Decision, decide, FOUNDATION_POLICY } from './decide';

/** How long a would-be block waits for the fact topics to be applied up to their end (G-11). */
const CATCH_UP_TIMEOUT_MS = 3000;

/**
 * Decides every `OrderRequested` once (G-10): the decision row, the processed-event record and
 * the outbox row commit together, and a redelivered order finds its decision already there.
 */
@Injectable()
export class OrdersRequestedConsumer implements OnModuleInit {
  private readonly logger = new Logger(OrdersRequestedConsumer.name);

  constructor(private readonly messaging: Messaging) {}

  onModuleInit(): void {
    this.messaging.registerConsumer({
      name: 'orders',
      mode: 'validated',
      topics: [Topics.OrdersRequested],
      handle: async ({ envelope }, manager) =>
        this.decideOrder(envelope as EventEnvelope<OrderRequestedV1>, manager),
    });
  }

  private async decideOrder(request: EventEnvelope<OrderRequestedV1>, manager: EntityManager): Promise<void> {
    const order = request.data;
    const already = await manager.query(`SELECT 1 FROM order_gate.decisions WHERE order_id = $1`, [
      order.orderId,
    ]);
    if (already.length > 0) return;

    let decision = decide(
      await loadPairView(manager, order.partnerId, order.customerTenantId),
      FOUNDATION_POLICY,
      order,
    );
    if (decision.outcome === 'Blocked') {
      // A fact acknowledged before this order may still be on its way on another topic (G-11).
      const targets = await this.messaging.catchUp.endOffsets([Topics.AgreementsAcceptance]);
      const caught = await this.messaging.catchUp.waitFor(
        ACCEPTANCE_FACTS_CONSUMER,
        this.messaging.groupIdFor(ACCEPTANCE_FACTS_CONSUMER),
        targets,
        CATCH_UP_TIMEOUT_MS,
      );
      if (!caught.caughtUp)
        this.logger.warn(`order ${order.orderId}: facts not caught up after ${caught.waitedMs} ms`);
      decision = decide(
        await loadPairView(manager, order.partnerId, order.customerTenantId),
        FOUNDATION_POLICY,
        order,
      );
    }
    await this.record(request, decision, manager);
  }

  private async record(request: EventEnvelope<OrderRequestedV1>, decision: Decision, manager: EntityManager) {
    const order = request.data;
    const decidedAt = new Date().toISOString();
    const envelope = buildEnvelope(
      decision.outcome === 'Approved' ? 'OrderApproved' : 'OrderBlocked',
      {
        orderId: order.orderId,
        partnerId: order.partnerId,
        customerTenantId: order.customerTenantId,
        kind: order.kind,
        requestedAt: order.requestedAt,
        decidedAt,
        reason: decision.reason,
        message: decision.message,
        evidence: decision.evidence,
        policyVersion: decision.policyVersion,
      },
      { producer: 'order-gate', correlationId: request.correlationId, causationId: request.eventId },
    );
    const inserted = await manager.query(
      `INSERT INTO order_gate.decisions (order_id, partner_id, customer_tenant_id, kind, outcome, reason, policy_version,
          acceptance_event_id, request_event_id, decision_event_id, requested_at, decided_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
       ON CONFLICT (order_id) DO NOTHING RETURNING order_id`,
      [
        order.orderId,
        order.partnerId,
        order.customerTenantId,
        order.kind,
        decision.outcome,
        decision.reason,
        decision.policyVersion,
        decision.evidence.acceptanceEventId ?? null,
        request.eventId,
        envelope.eventId,
        order.requestedAt,
        decidedAt,
      ],
    );
    if (inserted.length === 0) return;
    await this.messaging.enqueue(manager, [
      { topic: Topics.OrdersDecided, key: order.customerTenantId.toLowerCase(), envelope },
    ]);
  }
}
