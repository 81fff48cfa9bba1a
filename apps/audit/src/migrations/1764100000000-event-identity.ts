import { MigrationInterface, QueryRunner } from 'typeorm';
import { runSql, sql, table } from '@app/messaging';

/**
 * An event is identified by its eventId (per topic), and only a message without one by its place and time: the
 * unique index on place and time now covers those messages alone. For an event it only duplicated the eventId
 * index, at the cost of one more index entry (and its WAL) on every append, and it wrongly refused a second,
 * different event that a rebuilt cluster wrote at the same offset in the same millisecond.
 */
export function eventIdentity(schema: string): new () => MigrationInterface {
  const events = table(schema, 'events');
  const place = table(schema, 'events_place');
  return class EventIdentity1764100000000 implements MigrationInterface {
    name = 'EventIdentity1764100000000';

    async up(q: QueryRunner): Promise<void> {
      await runSql(q, sql`DROP INDEX ${place}`);
      await runSql(
        q,
        sql`CREATE UNIQUE INDEX events_place ON ${events} (topic, partition, "offset", kafka_timestamp)
            WHERE event_id IS NULL`,
      );
    }

    async down(q: QueryRunner): Promise<void> {
      // Fails if two events were stored at the same place and time since: both are facts, and stay.
      await runSql(q, sql`DROP INDEX ${place}`);
      await runSql(
        q,
        sql`CREATE UNIQUE INDEX events_place ON ${events} (topic, partition, "offset", kafka_timestamp)`,
      );
    }
  };
}
