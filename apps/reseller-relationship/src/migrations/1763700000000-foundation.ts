import { MigrationInterface, QueryRunner } from 'typeorm';
import { messagingTablesDown, messagingTablesUp } from '@app/messaging';

/** The outbox and consumer records (see messagingTablesUp) in the service's schema. */
export function foundationMigration(schema: string): new () => MigrationInterface {
  return class Foundation1763700000000 implements MigrationInterface {
    name = 'Foundation1763700000000';

    async up(q: QueryRunner): Promise<void> {
      for (const statement of messagingTablesUp(schema)) await q.query(statement);
    }

    async down(q: QueryRunner): Promise<void> {
      for (const statement of messagingTablesDown(schema)) await q.query(statement);
    }
  };
}
