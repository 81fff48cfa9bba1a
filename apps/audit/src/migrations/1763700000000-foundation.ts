import { MigrationInterface, QueryRunner } from 'typeorm';
import { messagingTablesDown, messagingTablesUp } from '@app/messaging';

export class Foundation1763700000000 implements MigrationInterface {
  name = 'Foundation1763700000000';

  async up(q: QueryRunner): Promise<void> {
    for (const sql of messagingTablesUp('audit')) await q.query(sql);
    await q.query(`
      CREATE TABLE audit.events (
        seq bigserial PRIMARY KEY,
        event_id text,
        event_type text,
        topic text NOT NULL,
        partition int NOT NULL,
        "offset" bigint NOT NULL,
        kafka_timestamp timestamptz NOT NULL,
        key text,
        partner_id text,
        customer_tenant_id text,
        order_id text,
        occurred_at timestamptz,
        received_at timestamptz NOT NULL DEFAULT now(),
        envelope jsonb,
        raw bytea,
        invalid_reason text,
        UNIQUE (topic, partition, "offset")
      )`);
    // Each event once per topic: a redelivery is not stored again; its dead-letter copy is a fact of its own.
    await q.query(
      `CREATE UNIQUE INDEX events_topic_event_id ON audit.events (topic, event_id) WHERE event_id IS NOT NULL`,
    );
    await q.query(`CREATE INDEX events_customer ON audit.events (customer_tenant_id, seq)`);
    await q.query(`CREATE INDEX events_partner ON audit.events (partner_id, seq)`);
    await q.query(`CREATE INDEX events_order ON audit.events (order_id, seq) WHERE order_id IS NOT NULL`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE audit.events`);
    for (const sql of messagingTablesDown('audit')) await q.query(sql);
  }
}
