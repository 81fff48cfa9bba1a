import { MigrationInterface, QueryRunner } from 'typeorm';
import { messagingTablesDown, messagingTablesUp, runSql, sql, table } from '@app/messaging';

/** The log of every message, in the service's schema (see AUDIT_MIGRATIONS). */
export function foundation(schema: string): new () => MigrationInterface {
  const events = table(schema, 'events');
  return class Foundation1763700000000 implements MigrationInterface {
    name = 'Foundation1763700000000';

    async up(q: QueryRunner): Promise<void> {
      for (const statement of messagingTablesUp(schema)) await q.query(statement);
      await runSql(
        q,
        sql`
        CREATE TABLE ${events} (
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
        )`,
      );
      // Each event once per topic: a redelivery is not stored again; its dead-letter copy is a fact of its own.
      await runSql(
        q,
        sql`CREATE UNIQUE INDEX events_topic_event_id ON ${events} (topic, event_id) WHERE event_id IS NOT NULL`,
      );
      await runSql(q, sql`CREATE INDEX events_customer ON ${events} (customer_tenant_id, seq)`);
      await runSql(q, sql`CREATE INDEX events_partner ON ${events} (partner_id, seq)`);
      await runSql(q, sql`CREATE INDEX events_order ON ${events} (order_id, seq) WHERE order_id IS NOT NULL`);
    }

    async down(q: QueryRunner): Promise<void> {
      await runSql(q, sql`DROP TABLE ${events}`);
      for (const statement of messagingTablesDown(schema)) await q.query(statement);
    }
  };
}
