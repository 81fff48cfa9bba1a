import { MigrationInterface, QueryRunner } from 'typeorm';
import { factOrderingDown, factOrderingUp } from '../projection/projection-schema';
import { ORDER_GATE_SCHEMA } from '../config';

/** S-05: what the projection's rows need so that a replayed or late fact never undoes a later one. */
export class FactOrdering1764310000000 implements MigrationInterface {
  name = 'FactOrdering1764310000000';

  async up(q: QueryRunner): Promise<void> {
    for (const sql of factOrderingUp(ORDER_GATE_SCHEMA)) await q.query(sql);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const sql of factOrderingDown(ORDER_GATE_SCHEMA)) await q.query(sql);
  }
}
