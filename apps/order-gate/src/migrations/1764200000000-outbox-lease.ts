import { MigrationInterface, QueryRunner } from 'typeorm';
import { outboxLeaseDown, outboxLeaseUp } from '@app/messaging';

/** The outbox lease (see outboxLeaseUp): events sent on commit need no claim round trip. */
export class OutboxLease1764200000000 implements MigrationInterface {
  name = 'OutboxLease1764200000000';

  async up(q: QueryRunner): Promise<void> {
    for (const sql of outboxLeaseUp('order_gate')) await q.query(sql);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const sql of outboxLeaseDown('order_gate')) await q.query(sql);
  }
}
