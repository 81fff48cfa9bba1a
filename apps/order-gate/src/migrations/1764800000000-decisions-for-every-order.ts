import { MigrationInterface, QueryRunner } from 'typeorm';
import { quoteIdent } from '@app/messaging';
import { ORDER_GATE_SCHEMA } from '../config';

const decisions = `${quoteIdent(ORDER_GATE_SCHEMA)}.decisions`;

/**
 * G-14: a request that failed validation is answered too, with only what could be read of it, so the order's
 * other columns may be empty. G-11: whether the decision was taken with the facts read up to the order's arrival
 * (null for decisions recorded before this column).
 */
export class DecisionsForEveryOrder1764800000000 implements MigrationInterface {
  name = 'DecisionsForEveryOrder1764800000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE ${decisions}
        ALTER COLUMN partner_id DROP NOT NULL,
        ALTER COLUMN customer_tenant_id DROP NOT NULL,
        ALTER COLUMN kind DROP NOT NULL,
        ALTER COLUMN requested_at DROP NOT NULL,
        ALTER COLUMN request_event_id DROP NOT NULL,
        ADD COLUMN facts_complete boolean`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DELETE FROM ${decisions} WHERE reason = 'InvalidOrder'`);
    await q.query(`
      ALTER TABLE ${decisions}
        DROP COLUMN facts_complete,
        ALTER COLUMN partner_id SET NOT NULL,
        ALTER COLUMN customer_tenant_id SET NOT NULL,
        ALTER COLUMN kind SET NOT NULL,
        ALTER COLUMN requested_at SET NOT NULL,
        ALTER COLUMN request_event_id SET NOT NULL`);
  }
}
