import { DataSource } from 'typeorm';
import { runMigrationsLocked, runSql, serviceDataSourceOptions, Sql, sql, table } from '@app/messaging';
import { createTestDatabase } from '@app/testing';
import { RUNTIME_ROLE } from '../audit-config';
import { AUDIT_MIGRATIONS, AUDIT_SCHEMA } from '../audit.module';
import { auditHarness, EVENTS, givenRunningAudit } from '../audit.harness';

const CHECKPOINTS = table(AUDIT_SCHEMA, 'checkpoints');
/** The log's table as text, where PostgreSQL takes a name (regclass, has_table_privilege). */
const EVENTS_NAME = EVENTS.toQuery().text;

/**
 * U-07: the audit runs as a role that owns none of its tables. The owner (DATABASE_URL) migrates;
 * the running service can read and append, and nothing else: it cannot drop or disable the
 * append-only trigger, alter a table, or change or delete a row.
 */
describe("U-07: the audit's runtime role is not the owner of its tables (real database)", () => {
  const sut = givenRunningAudit('audit-runtime-role');
  const audit = auditHarness(sut);
  /** What the service runs as: its own connection. */
  const asRuntime = <T = any>(statement: Sql) => runSql<T>(sut.dataSource(), statement);

  it('U-07: the service connects as the restricted role, which owns nothing and is no superuser', async () => {
    const [me] = await asRuntime(
      sql`SELECT current_user AS name, rolsuper, rolcreaterole, rolbypassrls FROM pg_roles WHERE rolname = current_user`,
    );
    expect(me).toEqual({ name: RUNTIME_ROLE, rolsuper: false, rolcreaterole: false, rolbypassrls: false });
    const owned = await audit.rows(
      sql`SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
           WHERE n.nspname = ${AUDIT_SCHEMA} AND pg_get_userbyid(c.relowner) = ${RUNTIME_ROLE}`,
    );
    expect(owned).toEqual([]);
    // Its reads too: the read pool connects as the same role.
    const reads = await audit.rows(
      sql`SELECT DISTINCT usename FROM pg_stat_activity
           WHERE datname = current_database() AND application_name LIKE ${`acceptance-gate/${AUDIT_SCHEMA}%`}`,
    );
    expect(reads.map((r) => r.usename)).toEqual([RUNTIME_ROLE]);
  });

  it.each([
    ['drop the append-only trigger', sql`DROP TRIGGER events_append_only ON ${EVENTS}`, /must be owner/],
    ['disable it', sql`ALTER TABLE ${EVENTS} DISABLE TRIGGER events_append_only`, /must be owner/],
    [
      'drop the checkpoints trigger',
      sql`DROP TRIGGER checkpoints_append_only ON ${CHECKPOINTS}`,
      /must be owner/,
    ],
    ['alter a table', sql`ALTER TABLE ${EVENTS} ADD COLUMN note text`, /must be owner/],
    [
      'replace the trigger function',
      sql`CREATE OR REPLACE FUNCTION ${table(AUDIT_SCHEMA, 'refuse_change')}() RETURNS trigger LANGUAGE plpgsql
            AS $$ BEGIN RETURN NULL; END $$`,
      /permission denied|must be owner/,
    ],
    ['update a row', sql`UPDATE ${EVENTS} SET topic = 'x'`, /permission denied/],
    ['delete a row', sql`DELETE FROM ${EVENTS}`, /permission denied/],
    ['truncate the log', sql`TRUNCATE ${EVENTS}`, /permission denied/],
    ['update a checkpoint', sql`UPDATE ${CHECKPOINTS} SET seq = 0`, /permission denied/],
    ['delete a checkpoint', sql`DELETE FROM ${CHECKPOINTS}`, /permission denied/],
    [
      'create a table in its schema',
      sql`CREATE TABLE ${table(AUDIT_SCHEMA, 'shadow')} (x int)`,
      /permission denied/,
    ],
    ['step around triggers', sql`SET session_replication_role = replica`, /permission denied/],
  ])('U-07: the runtime role cannot %s', async (_what, statement, refusal) => {
    await expect(asRuntime(statement)).rejects.toThrow(refusal);
  });

  it('U-07: the append-only trigger stays in place and enabled, and the runtime role reads what the service signed', async () => {
    const [{ n }] = await asRuntime(sql`SELECT count(*)::int AS n FROM ${CHECKPOINTS}`);
    expect(n).toBeGreaterThan(0);
    const triggers = await audit.rows(
      sql`SELECT tgname FROM pg_trigger
           WHERE tgrelid = ${EVENTS_NAME}::regclass AND NOT tgisinternal AND tgenabled <> 'D'`,
    );
    expect(triggers.map((r) => r.tgname)).toEqual(['events_append_only']);
  });

  it('U-07: the role is created once per cluster: databases migrated at the same moment all get it', async () => {
    const dbs = await Promise.all([1, 2, 3].map(() => createTestDatabase('audit_role_race')));
    try {
      await Promise.all(
        dbs.map(async (d) => {
          const ds = await new DataSource(
            serviceDataSourceOptions({
              url: d.url,
              schema: AUDIT_SCHEMA,
              entities: [],
              migrations: AUDIT_MIGRATIONS,
              poolSize: 2,
            }),
          ).initialize();
          try {
            await runMigrationsLocked(ds, AUDIT_SCHEMA);
            const [grant] = await runSql(
              ds,
              sql`SELECT has_table_privilege(${RUNTIME_ROLE}, ${EVENTS_NAME}, 'INSERT') AS insert,
                         has_table_privilege(${RUNTIME_ROLE}, ${EVENTS_NAME}, 'UPDATE') AS update`,
            );
            expect(grant).toEqual({ insert: true, update: false });
          } finally {
            await ds.destroy();
          }
        }),
      );
    } finally {
      await Promise.all(dbs.map((d) => d.drop()));
    }
  });
});
