import { MigrationInterface, QueryRunner } from 'typeorm';
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
export class RuntimeRoleAndCheckpoints1764300000000 implements MigrationInterface {
  name = 'RuntimeRoleAndCheckpoints1764300000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE OR REPLACE FUNCTION audit.refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          RAISE EXCEPTION '%.% is append-only: % is refused', TG_TABLE_SCHEMA, TG_TABLE_NAME, TG_OP
            USING ERRCODE = 'insufficient_privilege';
        END $$`);
    await q.query(`CREATE TABLE audit.checkpoints (
        id bigserial PRIMARY KEY,
        seq bigint NOT NULL,
        hash bytea NOT NULL,
        at timestamptz NOT NULL,
        key_id text NOT NULL,
        signature bytea NOT NULL
      )`);
    await q.query(`CREATE INDEX checkpoints_latest ON audit.checkpoints (key_id, seq DESC, id DESC)`);
    await q.query(`CREATE TRIGGER checkpoints_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON audit.checkpoints
        FOR EACH STATEMENT EXECUTE FUNCTION audit.refuse_change()`);

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
    await q.query(`GRANT USAGE ON SCHEMA audit TO ${RUNTIME_ROLE}`);
    await q.query(
      `GRANT SELECT, INSERT, UPDATE, DELETE ON audit.outbox, audit.processed_events, audit.consumer_positions TO ${RUNTIME_ROLE}`,
    );
    await q.query(`GRANT USAGE ON SEQUENCE audit.outbox_seq_seq TO ${RUNTIME_ROLE}`);
    await q.query(`GRANT SELECT, INSERT ON audit.checkpoints TO ${RUNTIME_ROLE}`);
    await q.query(`GRANT USAGE ON SEQUENCE audit.checkpoints_id_seq TO ${RUNTIME_ROLE}`);
    await q.query(`GRANT SELECT ON audit.migrations TO ${RUNTIME_ROLE}`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`REVOKE ALL ON ALL TABLES IN SCHEMA audit FROM ${RUNTIME_ROLE}`);
    await q.query(`REVOKE ALL ON ALL SEQUENCES IN SCHEMA audit FROM ${RUNTIME_ROLE}`);
    await q.query(`REVOKE USAGE ON SCHEMA audit FROM ${RUNTIME_ROLE}`);
    await q.query(`DROP TABLE audit.checkpoints`);
  }
}
