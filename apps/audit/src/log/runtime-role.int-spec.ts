import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { runMigrationsLocked, serviceDataSourceOptions } from '@app/messaging';
import {
  createTestDatabase,
  RunningService,
  startService,
  TestDatabase,
  uniqueGroupPrefix,
} from '@app/testing';
import { RUNTIME_ROLE } from '../audit-config';
import { AUDIT_MIGRATIONS, AUDIT_SCHEMA, AuditModule } from '../audit.module';

/**
 * U-07: the audit runs as a role that owns none of its tables. The owner (DATABASE_URL) migrates;
 * the running service can read and append, and nothing else: it cannot drop or disable the
 * append-only trigger, alter a table, or change or delete a row.
 */
describe("U-07: the audit's runtime role is not the owner of its tables (real database)", () => {
  let db: TestDatabase;
  let audit: RunningService;
  let superuser: Client;
  let runtime: DataSource;

  beforeAll(async () => {
    db = await createTestDatabase('audit_runtime_role');
    audit = await startService('audit', (c) => AuditModule.forRoot(c), {
      databaseUrl: db.url,
      groupPrefix: uniqueGroupPrefix('audit-role'),
    });
    runtime = audit.app.get(DataSource);
    superuser = new Client({ connectionString: db.url });
    await superuser.connect();
  });

  afterAll(async () => {
    await superuser?.end();
    await audit?.close();
    await db?.drop();
  });

  it('U-07: the service connects as the restricted role, which owns nothing and is no superuser', async () => {
    const [me] = await runtime.query(
      `SELECT current_user AS name, rolsuper, rolcreaterole, rolbypassrls FROM pg_roles WHERE rolname = current_user`,
    );
    expect(me).toEqual({ name: RUNTIME_ROLE, rolsuper: false, rolcreaterole: false, rolbypassrls: false });
    const owned = await superuser.query(
      `SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = 'audit' AND pg_get_userbyid(c.relowner) = $1`,
      [RUNTIME_ROLE],
    );
    expect(owned.rows).toEqual([]);
    // Its reads too: the read pool connects as the same role.
    const reads = await superuser.query(
      `SELECT DISTINCT usename FROM pg_stat_activity WHERE datname = current_database() AND application_name LIKE 'acceptance-gate/audit%'`,
    );
    expect(reads.rows.map((r) => r.usename)).toEqual([RUNTIME_ROLE]);
  });

  it.each([
    ['drop the append-only trigger', 'DROP TRIGGER events_append_only ON audit.events', /must be owner/],
    ['disable it', 'ALTER TABLE audit.events DISABLE TRIGGER events_append_only', /must be owner/],
    [
      'drop the checkpoints trigger',
      'DROP TRIGGER checkpoints_append_only ON audit.checkpoints',
      /must be owner/,
    ],
    ['alter a table', 'ALTER TABLE audit.events ADD COLUMN note text', /must be owner/],
    [
      'replace the trigger function',
      `CREATE OR REPLACE FUNCTION audit.refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NULL; END $$`,
      /permission denied|must be owner/,
    ],
    ['update a row', `UPDATE audit.events SET topic = 'x'`, /permission denied/],
    ['delete a row', 'DELETE FROM audit.events', /permission denied/],
    ['truncate the log', 'TRUNCATE audit.events', /permission denied/],
    ['update a checkpoint', `UPDATE audit.checkpoints SET seq = 0`, /permission denied/],
    ['delete a checkpoint', 'DELETE FROM audit.checkpoints', /permission denied/],
    ['create a table in its schema', 'CREATE TABLE audit.shadow (x int)', /permission denied/],
    ['step around triggers', 'SET session_replication_role = replica', /permission denied/],
  ])('U-07: the runtime role cannot %s', async (_what, statement, refusal) => {
    await expect(runtime.query(statement)).rejects.toThrow(refusal);
  });

  it('U-07: the append-only trigger stays in place and enabled, and the runtime role reads what the service signed', async () => {
    const [{ n }] = await runtime.query(`SELECT count(*)::int AS n FROM audit.checkpoints`);
    expect(n).toBeGreaterThan(0);
    const triggers = await superuser.query(
      `SELECT tgname FROM pg_trigger WHERE tgrelid = 'audit.events'::regclass AND NOT tgisinternal AND tgenabled <> 'D'`,
    );
    expect(triggers.rows.map((r) => r.tgname)).toEqual(['events_append_only']);
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
            const [grant] = await ds.query(
              `SELECT has_table_privilege($1, 'audit.events', 'INSERT') AS insert,
                      has_table_privilege($1, 'audit.events', 'UPDATE') AS update`,
              [RUNTIME_ROLE],
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
