import { escapeLiteral } from 'pg';
import { MigrationInterface, QueryRunner } from 'typeorm';
import { ident, quoteIdent, raw, runSql, sql, table } from '@app/messaging';
import { chainHash, GENESIS_HASH, rowContent } from '../log/audit-chain';
import { ROW_COLUMNS, StoredRow, toChainedRow, WRITER_ROLE } from '../log/chained-log';

/**
 * The tamper-evident, append-only log (U-02, U-06): a hash per row in one gap-free sequence, a
 * one-row chain head that serialises appends, a trigger that refuses UPDATE, DELETE and TRUNCATE,
 * and a role that may only INSERT and SELECT. A message without an eventId is identified by place
 * and time, not by offset alone (offsets restart when a cluster is rebuilt). Rows stored before
 * this migration are renumbered without gaps and chained in their order.
 */
export function chainedLog(schema: string): new () => MigrationInterface {
  const events = table(schema, 'events');
  const chainHead = table(schema, 'chain_head');
  const seqSequence = table(schema, 'events_seq_seq');
  /** The sequence's name as a string literal, where PostgreSQL takes it as regclass text. */
  const seqSequenceName = raw(escapeLiteral(`${quoteIdent(schema)}.${quoteIdent('events_seq_seq')}`));
  const refuseChange = table(schema, 'refuse_change');
  const writer = raw(WRITER_ROLE);
  return class ChainedLog1763800000000 implements MigrationInterface {
    name = 'ChainedLog1763800000000';

    async up(q: QueryRunner): Promise<void> {
      await runSql(
        q,
        sql`CREATE TABLE ${chainHead} (
          id boolean PRIMARY KEY DEFAULT true CHECK (id),
          seq bigint NOT NULL,
          hash bytea NOT NULL
        )`,
      );
      await runSql(
        q,
        sql`ALTER TABLE ${events}
          ADD COLUMN headers jsonb NOT NULL DEFAULT '{}'::jsonb,
          ADD COLUMN hash bytea,
          ALTER COLUMN seq DROP DEFAULT`,
      );
      await runSql(q, sql`DROP SEQUENCE IF EXISTS ${seqSequence}`);
      await runSql(
        q,
        sql`UPDATE ${events} SET seq = -seq,
          received_at = date_trunc('milliseconds', received_at),
          kafka_timestamp = date_trunc('milliseconds', kafka_timestamp),
          occurred_at = date_trunc('milliseconds', occurred_at)`,
      );
      await runSql(
        q,
        sql`UPDATE ${events} e SET seq = r.n
          FROM (SELECT seq, row_number() OVER (ORDER BY seq DESC) AS n FROM ${events}) r WHERE e.seq = r.seq`,
      );
      let head: { seq: number; hash: Buffer } = { seq: 0, hash: GENESIS_HASH };
      for (;;) {
        const rows: StoredRow[] = await runSql(
          q,
          sql`SELECT ${ROW_COLUMNS} FROM ${events} WHERE seq > ${head.seq} ORDER BY seq LIMIT 1000`,
        );
        if (rows.length === 0) break;
        for (const r of rows) {
          const hash = chainHash(head.hash, r.seq, rowContent(toChainedRow(r)));
          await runSql(q, sql`UPDATE ${events} SET hash = ${hash} WHERE seq = ${r.seq}`);
          head = { seq: Number(r.seq), hash };
        }
      }
      await runSql(q, sql`ALTER TABLE ${events} ALTER COLUMN hash SET NOT NULL`);
      await runSql(q, sql`INSERT INTO ${chainHead} (seq, hash) VALUES (${head.seq}, ${head.hash})`);

      await runSql(q, sql`ALTER TABLE ${events} DROP CONSTRAINT events_topic_partition_offset_key`);
      await runSql(
        q,
        sql`CREATE UNIQUE INDEX events_place ON ${events} (topic, partition, "offset", kafka_timestamp)`,
      );
      await runSql(q, sql`CREATE INDEX events_event_type ON ${events} (event_type, seq)`);
      await runSql(q, sql`CREATE INDEX events_occurred_at ON ${events} (occurred_at)`);

      // The schema is a checked identifier (quoteIdent), so its name can stand in the message's literal.
      const refusal = raw(escapeLiteral(`${schema}.events is append-only: % is refused`));
      await runSql(
        q,
        sql`CREATE FUNCTION ${refuseChange}() RETURNS trigger LANGUAGE plpgsql AS $$
          BEGIN
            RAISE EXCEPTION ${refusal}, TG_OP
              USING ERRCODE = 'insufficient_privilege';
          END $$`,
      );
      await runSql(
        q,
        sql`CREATE TRIGGER events_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON ${events}
          FOR EACH STATEMENT EXECUTE FUNCTION ${refuseChange}()`,
      );

      // Roles belong to the cluster: another database's migration may create it at the same moment.
      await q.query(`DO $$ BEGIN
          CREATE ROLE ${WRITER_ROLE} NOLOGIN;
        EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
        END $$`);
      await q.query(`DO $$ BEGIN
          IF NOT (SELECT rolsuper FROM pg_roles WHERE rolname = current_user)
             AND NOT pg_has_role(current_user, '${WRITER_ROLE}', 'MEMBER') THEN
            EXECUTE format('GRANT ${WRITER_ROLE} TO %I', current_user);
          END IF;
        END $$`);
      await runSql(q, sql`GRANT USAGE ON SCHEMA ${ident(schema)} TO ${writer}`);
      await runSql(q, sql`GRANT SELECT, INSERT ON ${events} TO ${writer}`);
      await runSql(q, sql`GRANT SELECT, UPDATE ON ${chainHead} TO ${writer}`);
    }

    async down(q: QueryRunner): Promise<void> {
      await runSql(q, sql`REVOKE ALL ON ${events}, ${chainHead} FROM ${writer}`);
      await runSql(q, sql`REVOKE USAGE ON SCHEMA ${ident(schema)} FROM ${writer}`);
      await runSql(q, sql`DROP TRIGGER events_append_only ON ${events}`);
      await runSql(q, sql`DROP FUNCTION ${refuseChange}()`);
      await runSql(q, sql`DROP INDEX ${table(schema, 'events_occurred_at')}`);
      await runSql(q, sql`DROP INDEX ${table(schema, 'events_event_type')}`);
      await runSql(q, sql`DROP INDEX ${table(schema, 'events_place')}`);
      await runSql(
        q,
        sql`ALTER TABLE ${events} ADD CONSTRAINT events_topic_partition_offset_key
          UNIQUE (topic, partition, "offset")`,
      );
      await runSql(q, sql`CREATE SEQUENCE ${seqSequence} OWNED BY ${events}.seq`);
      await runSql(q, sql`SELECT setval(${seqSequenceName}, (SELECT seq FROM ${chainHead}) + 1, false)`);
      await runSql(
        q,
        sql`ALTER TABLE ${events} ALTER COLUMN seq SET DEFAULT nextval(${seqSequenceName}::regclass),
          DROP COLUMN hash, DROP COLUMN headers`,
      );
      await runSql(q, sql`DROP TABLE ${chainHead}`);
    }
  };
}
