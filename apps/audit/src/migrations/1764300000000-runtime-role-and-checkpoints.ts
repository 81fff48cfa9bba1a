import { MigrationInterface, QueryRunner } from 'typeorm';
import { ident, raw, runSql, sql, table } from '@app/messaging';
import { RUNTIME_ROLE } from '../audit-config';
import { WRITER_ROLE } from '../log/chained-log';

/**
 * U-07. The signed checkpoints (public data: each is checked against the signing key, which the
 * database never holds), append-only like the log. And the login role the service runs as, which
 * owns nothing: it inherits `audit_writer`'s INSERT and SELECT on the log and its UPDATE of the
 * chain head, may write the consumer's records, read the migrations and append checkpoints, and
 * cannot change or delete a row, drop or disable a trigger, or alter a table. The owner (DATABASE_URL)
 * runs the migrations. Roles belong to the cluster and tests create a database per file, so every
 * role statement tolerates another database's migration doing the same at the same moment.
 */
export function runtimeRoleAndCheckpoints(schema: string): new () => MigrationInterface {
  const checkpoints = table(schema, 'checkpoints');
  const refuseChange = table(schema, 'refuse_change');
  const runtime = raw(RUNTIME_ROLE);
  return class RuntimeRoleAndCheckpoints1764300000000 implements MigrationInterface {
    name = 'RuntimeRoleAndCheckpoints1764300000000';

    async up(q: QueryRunner): Promise<void> {
      await runSql(
        q,
        sql`CREATE OR REPLACE FUNCTION ${refuseChange}() RETURNS trigger LANGUAGE plpgsql AS $$
          BEGIN
            RAISE EXCEPTION '%.% is append-only: % is refused', TG_TABLE_SCHEMA, TG_TABLE_NAME, TG_OP
              USING ERRCODE = 'insufficient_privilege';
          END $$`,
      );
      await runSql(
        q,
        sql`CREATE TABLE ${checkpoints} (
          id bigserial PRIMARY KEY,
          seq bigint NOT NULL,
          hash bytea NOT NULL,
          at timestamptz NOT NULL,
          key_id text NOT NULL,
          signature bytea NOT NULL
        )`,
      );
      await runSql(q, sql`CREATE INDEX checkpoints_latest ON ${checkpoints} (key_id, seq DESC, id DESC)`);
      await runSql(
        q,
        sql`CREATE TRIGGER checkpoints_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON ${checkpoints}
          FOR EACH STATEMENT EXECUTE FUNCTION ${refuseChange}()`,
      );

      await q.query(`DO $$ BEGIN
          CREATE ROLE ${RUNTIME_ROLE} LOGIN;
        EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
        END $$`);
      // "tuple concurrently updated" (XX000) when another database's migration grants it at the same moment.
      await q.query(`DO $$ BEGIN
          IF NOT pg_has_role('${RUNTIME_ROLE}', '${WRITER_ROLE}', 'MEMBER') THEN
            GRANT ${WRITER_ROLE} TO ${RUNTIME_ROLE};
          END IF;
        EXCEPTION WHEN unique_violation OR internal_error THEN
          IF NOT pg_has_role('${RUNTIME_ROLE}', '${WRITER_ROLE}', 'MEMBER') THEN RAISE; END IF;
        END $$`);
      await runSql(q, sql`GRANT USAGE ON SCHEMA ${ident(schema)} TO ${runtime}`);
      await runSql(
        q,
        sql`GRANT SELECT, INSERT, UPDATE, DELETE
              ON ${table(schema, 'outbox')}, ${table(schema, 'processed_events')}, ${table(schema, 'consumer_positions')}
              TO ${runtime}`,
      );
      await runSql(q, sql`GRANT USAGE ON SEQUENCE ${table(schema, 'outbox_seq_seq')} TO ${runtime}`);
      await runSql(q, sql`GRANT SELECT, INSERT ON ${checkpoints} TO ${runtime}`);
      await runSql(q, sql`GRANT USAGE ON SEQUENCE ${table(schema, 'checkpoints_id_seq')} TO ${runtime}`);
      await runSql(q, sql`GRANT SELECT ON ${table(schema, 'migrations')} TO ${runtime}`);
    }

    async down(q: QueryRunner): Promise<void> {
      await runSql(q, sql`REVOKE ALL ON ALL TABLES IN SCHEMA ${ident(schema)} FROM ${runtime}`);
      await runSql(q, sql`REVOKE ALL ON ALL SEQUENCES IN SCHEMA ${ident(schema)} FROM ${runtime}`);
      await runSql(q, sql`REVOKE USAGE ON SCHEMA ${ident(schema)} FROM ${runtime}`);
      await runSql(q, sql`DROP TABLE ${checkpoints}`);
    }
  };
}
