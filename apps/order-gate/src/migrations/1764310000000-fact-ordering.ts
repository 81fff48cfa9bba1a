import { MigrationInterface, QueryRunner } from 'typeorm';
import { factOrderingDown, factOrderingUp } from '../projection/projection-schema';

/** S-05: what the projection's rows need so that a replayed or late fact never undoes a later one. */
export class FactOrdering1764310000000 implements MigrationInterface {
  name = 'FactOrdering1764310000000';

  async up(q: QueryRunner): Promise<void> {
    for (const sql of factOrderingUp('order_gate')) await q.query(sql);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const sql of factOrderingDown('order_gate')) await q.query(sql);
  }
}
