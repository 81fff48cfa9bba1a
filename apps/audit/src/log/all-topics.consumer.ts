import { Injectable, OnModuleInit } from '@nestjs/common';
import { ALL_TOPICS, DLQ_TOPICS } from '@app/contracts';
import { Messaging } from '@app/messaging';
import { toAuditRecord } from './audit-record';

/** Keeps every message of every topic, the dead-letter topics included (U-01). */
@Injectable()
export class AllTopicsConsumer implements OnModuleInit {
  constructor(private readonly messaging: Messaging) {}

  onModuleInit(): void {
    this.messaging.registerConsumer({
      name: 'audit-log',
      mode: 'raw',
      topics: [...ALL_TOPICS, ...DLQ_TOPICS],
      handle: async (message, manager) => {
        const r = toAuditRecord(message.topic, message.value);
        await manager.query(
          `INSERT INTO audit.events (event_id, event_type, topic, partition, "offset", key, partner_id,
              customer_tenant_id, order_id, occurred_at, envelope, raw, invalid_reason)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11::jsonb, $12, $13)
           ON CONFLICT DO NOTHING`,
          [
            r.eventId,
            r.eventType,
            message.topic,
            message.partition,
            message.offset,
            message.key,
            r.partnerId,
            r.customerTenantId,
            r.orderId,
            r.occurredAt,
            r.envelope === null ? null : JSON.stringify(r.envelope),
            r.raw,
            r.invalidReason,
          ],
        );
      },
    });
  }
}
