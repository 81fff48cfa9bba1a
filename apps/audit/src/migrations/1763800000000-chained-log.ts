import { MigrationInterface, QueryRunner } from 'typeorm';
import { chainHash, GENESIS_HASH, rowContent } from '../log/audit-chain';
import { ROW_COLUMNS, StoredRow, toChainedRow, WRITER_ROLE } from '../log/chained-log';

/**
 * The tamper-evident, append-only log (U-02, U-06): a hash per row in one gap-free sequence, a
 * one-row chain head that serialises appends, a trigger that refuses UPDATE, DELETE and TRUNCATE,
 * and a role that may only INSERT and SELECT. A message without an eventId is identified by place
 * and time, not by offset alone (offsets restart when a cluster is rebuilt). Rows stored before
 * this migration are renumbered without gaps and chained in their order.
 */
export class ChainedLog1763800000000 implements MigrationInterface {
  name = 'ChainedLog1763800000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE audit.chain_head (
        id boolean PRIMARY KEY DEFAULT true CHECK (id),
        seq bigint NOT NULL,
        hash bytea NOT NULL
      )`);
    await q.query(`ALTER TABLE audit.events
        ADD COLUMN headers jsonb NOT NULL DEFAULT '{}'::jsonb,
        ADD COLUMN hash bytea,
        ALTER COLUMN seq DROP DEFAULT`);
    await q.query(`DROP SEQUENCE IF EXISTS audit.events_seq_seq`);
    await q.query(`UPDATE audit.events SET seq = -seq,
        received_at = date_trunc('milliseconds', received_at),
        kafka_timestamp = date_trunc('milliseconds', kafka_timestamp),
        occurred_at = date_trunc('milliseconds', occurred_at)`);
    await q.query(`UPDATE audit.events e SET seq = r.n
        FROM (SELECT seq, row_number() OVER (ORDER BY seq DESC) AS n FROM audit.events) r WHERE e.seq = r.seq`);
    let head: { seq: number; hash: Buffer } = { seq: 0, hash: GENESIS_HASH };
    for (;;) {
      const rows: StoredRow[] = await q.query(
        `SELECT ${ROW_COLUMNS} FROM audit.events WHERE seq > $1 ORDER BY seq LIMIT 1000`,
        [head.seq],
      );
      if (rows.length === 0) break;
      for (const r of rows) {
        const hash = chainHash(head.hash, r.seq, rowContent(toChainedRow(r)));
        await q.query(`UPDATE audit.events SET hash = $1 WHERE seq = $2`, [hash, r.seq]);
        head = { seq: Number(r.seq), hash };
      }
    }
    await q.query(`ALTER TABLE audit.events ALTER COLUMN hash SET NOT NULL`);
    await q.query(`INSERT INTO audit.chain_head (seq, hash) VALUES ($1, $2)`, [head.seq, head.hash]);

    await q.query(`ALTER TABLE audit.events DROP CONSTRAINT events_topic_partition_offset_key`);
    await q.query(
      `CREATE UNIQUE INDEX events_place ON audit.events (topic, partition, "offset", kafka_timestamp)`,
    );
    await q.query(`CREATE INDEX events_event_type ON audit.events (event_type, seq)`);
    await q.query(`CREATE INDEX events_occurred_at ON audit.events (occurred_at)`);

    await q.query(`CREATE FUNCTION audit.refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          RAISE EXCEPTION 'audit.events is append-only: % is refused', TG_OP
            USING ERRCODE = 'insufficient_privilege';
        END $$`);
    await q.query(`CREATE TRIGGER events_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON audit.events
        FOR EACH STATEMENT EXECUTE FUNCTION audit.refuse_change()`);

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
    await q.query(`GRANT USAGE ON SCHEMA audit TO ${WRITER_ROLE}`);
    await q.query(`GRANT SELECT, INSERT ON audit.events TO ${WRITER_ROLE}`);
    await q.query(`GRANT SELECT, UPDATE ON audit.chain_head TO ${WRITER_ROLE}`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`REVOKE ALL ON audit.events, audit.chain_head FROM ${WRITER_ROLE}`);
    await q.query(`REVOKE USAGE ON SCHEMA audit FROM ${WRITER_ROLE}`);
    await q.query(`DROP TRIGGER events_append_only ON audit.events`);
    await q.query(`DROP FUNCTION audit.refuse_change()`);
    await q.query(`DROP INDEX audit.events_occurred_at`);
    await q.query(`DROP INDEX audit.events_event_type`);
    await q.query(`DROP INDEX audit.events_place`);
    await q.query(`ALTER TABLE audit.events ADD CONSTRAINT events_topic_partition_offset_key
        UNIQUE (topic, partition, "offset")`);
    await q.query(`CREATE SEQUENCE audit.events_seq_seq OWNED BY audit.events.seq`);
    await q.query(`SELECT setval('audit.events_seq_seq', (SELECT seq FROM audit.chain_head) + 1, false)`);
    await q.query(`ALTER TABLE audit.events ALTER COLUMN seq SET DEFAULT nextval('audit.events_seq_seq'),
        DROP COLUMN hash, DROP COLUMN headers`);
    await q.query(`DROP TABLE audit.chain_head`);
  }
}
