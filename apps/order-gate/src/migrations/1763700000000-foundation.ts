import { MigrationInterface, QueryRunner } from 'typeorm';
import { messagingTablesDown, messagingTablesUp, quoteIdent } from '@app/messaging';
import { ORDER_GATE_SCHEMA } from '../config';

const s = quoteIdent(ORDER_GATE_SCHEMA);

export class Foundation1763700000000 implements MigrationInterface {
  name = 'Foundation1763700000000';

  async up(q: QueryRunner): Promise<void> {
    for (const sql of messagingTablesUp(ORDER_GATE_SCHEMA)) await q.query(sql);
    await q.query(`
      CREATE TABLE ${s}.acceptances (
        partner_id uuid NOT NULL,
        customer_tenant_id uuid NOT NULL,
        agreement_type text NOT NULL,
        source text NOT NULL,
        template_id uuid NOT NULL,
        date_agreed timestamptz NOT NULL,
        event_id uuid NOT NULL,
        recorded_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (partner_id, customer_tenant_id, agreement_type)
      )`);
    await q.query(`
      CREATE TABLE ${s}.decisions (
        order_id text PRIMARY KEY,
        partner_id uuid NOT NULL,
        customer_tenant_id uuid NOT NULL,
        kind text NOT NULL,
        outcome text NOT NULL,
        reason text NOT NULL,
        policy_version text NOT NULL,
        acceptance_event_id uuid,
        request_event_id uuid NOT NULL,
        decision_event_id uuid NOT NULL,
        requested_at timestamptz NOT NULL,
        decided_at timestamptz NOT NULL
      )`);
    await q.query(`CREATE INDEX decisions_pair ON ${s}.decisions (partner_id, customer_tenant_id)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE ${s}.decisions`);
    await q.query(`DROP TABLE ${s}.acceptances`);
    for (const sql of messagingTablesDown(ORDER_GATE_SCHEMA)) await q.query(sql);
  }
}
