import { MigrationInterface, QueryRunner } from 'typeorm';
import { projectionTablesDown, projectionTablesUp } from '../projection/projection-schema';
import { ORDER_GATE_SCHEMA } from '../config';

/** The gate's full projection (G-02..G-07, D-06, D-07), beside the foundation's acceptances and decisions. */
export class GateComplete1763950000000 implements MigrationInterface {
  name = 'GateComplete1763950000000';

  async up(q: QueryRunner): Promise<void> {
    for (const sql of projectionTablesUp(ORDER_GATE_SCHEMA)) await q.query(sql);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const sql of projectionTablesDown(ORDER_GATE_SCHEMA)) await q.query(sql);
  }
}
