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
      // The log's own unique indexes make each insert idempotent, in the same transaction.
      dedupe: false,
      topics: [...ALL_TOPICS, ...DLQ_TOPICS],
      handle: async (message, manager) => {
        const r = toAuditRecord(message.topic, message.value);
        await manager.query(
          `INSERT INTO audit.events (event_id, event_type, topic, partition, "offset", kafka_timestamp, key,
              partner_id, customer_tenant_id, order_id, occurred_at, envelope, raw, invalid_reason)
           VALUES ($1, $2, $3, $4, $5, to_timestamp($6::bigint / 1000.0), $7, $8, $9, $10, $11, $12::jsonb, $13, $14)
           ON CONFLICT DO NOTHING`,
          [
            r.eventId,
            r.eventType,
            message.topic,
            message.partition,
            message.offset,
            message.timestamp,
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
