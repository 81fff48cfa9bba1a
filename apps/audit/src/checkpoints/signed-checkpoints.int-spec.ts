import { createPublicKey, randomUUID } from 'crypto';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { buildEnvelope, Topics } from '@app/contracts';
import { InboundMessage, runSql, Sql, sql, table } from '@app/messaging';
import {
  bearer,
  createTestDatabase,
  eventually,
  operatorBearer,
  RunningService,
  startService,
  TestDatabase,
  testAuditSigningKey,
  uniqueGroupPrefix,
} from '@app/testing';
import { AuditModule } from '../audit.module';
import { AUDIT_SCHEMA } from '../audit-schema';
import { chainHash, GENESIS_HASH, rowContent } from '../log/audit-chain';
import { AllTopicsConsumer } from '../log/all-topics.consumer';
import { appendToLog, ROW_COLUMNS, StoredRow, toChainedRow } from '../log/chained-log';
import { AuditCheckpoints } from './audit-checkpoints';
import { Checkpoint, checkpointVerifies } from './checkpoint';

/**
 * U-07 against the real database: the log is held still (the service's consumer is stopped, so other
 * tests' traffic on the shared broker cannot land in it), rows are appended through the service's own
 * append, a checkpoint is signed, and then someone holding the database (the superuser) tampers.
 */
describe('U-07: verify checks the log against the latest signed checkpoint (real database)', () => {
  let db: TestDatabase;
  let audit: RunningService;
  let superuser: Client;
  let auditor: string;

  const EVENTS = table(AUDIT_SCHEMA, 'events');
  const CHAIN_HEAD = table(AUDIT_SCHEMA, 'chain_head');
  const CHECKPOINTS = table(AUDIT_SCHEMA, 'checkpoints');
  /** Rows of a statement run as the superuser. */
  const rows = async (statement: Sql) => (await runSql(superuser, statement)).rows;
  /** What only the owner or a superuser can do: with the append-only triggers out of the way. */
  const tamper = async (...statements: Sql[]) => {
    await superuser.query('BEGIN');
    await superuser.query('SET LOCAL session_replication_role = replica');
    for (const statement of statements) await runSql(superuser, statement);
    await superuser.query('COMMIT');
  };
  const moveHeadBackTo = (seq: number) =>
    sql`UPDATE ${CHAIN_HEAD} SET seq = ${seq}, hash = (SELECT hash FROM ${EVENTS} WHERE seq = ${seq})`;

  const verify = async () => {
    const res = await audit.http().get('/v1/audit/verify').set('Authorization', auditor);
    expect(res.status).toBe(200);
    return res.body;
  };

  function message(n: number): InboundMessage {
    const envelope = buildEnvelope(
      'CustomerAgreementAccepted',
      {
        customerTenantId: randomUUID(),
        agreementType: 'MicrosoftCustomerAgreement',
        templateId: '117a77b0-9360-443b-8795-c6dedc750cf9',
        dateAgreed: new Date().toISOString(),
        signer: { firstName: 'Alex', lastName: 'Wilber', email: 'alex@fabrikam.example' },
      },
      { producer: 'reseller-relationship' },
    );
    return {
      topic: Topics.AgreementsAcceptance,
      partition: 0,
      offset: String(n),
      key: envelope.data.customerTenantId,
      value: Buffer.from(JSON.stringify(envelope)),
      headers: {},
      timestamp: String(Date.now()),
    };
  }

  async function append(count: number): Promise<number> {
    const dataSource = audit.app.get(DataSource);
    const start = Number((await rows(sql`SELECT seq FROM ${CHAIN_HEAD}`))[0].seq);
    const messages = Array.from({ length: count }, (_, i) => message(start + i));
    await dataSource.transaction((m) => appendToLog(m, AUDIT_SCHEMA, messages));
    return start + count;
  }

  const sign = (): Promise<Checkpoint> => audit.app.get(AuditCheckpoints).sign();

  beforeEach(async () => {
    db = await createTestDatabase('audit_checkpoints');
    audit = await startService('audit', (c) => AuditModule.forRoot(c), {
      databaseUrl: db.url,
      groupPrefix: uniqueGroupPrefix('audit-checkpoints'),
    });
    await audit.app.get(AllTopicsConsumer).runner!.stop();
    superuser = new Client({ connectionString: db.url });
    await superuser.connect();
    auditor = await operatorBearer(['Auditor']);
  });

  afterEach(async () => {
    await superuser?.end();
    await audit?.close().catch(() => undefined);
    await db?.drop();
  });

  it('U-07: the latest checkpoint is signed with Ed25519 by the configured key and names it; forged ones are ignored', async () => {
    const head = await append(3);
    const signed = await sign();
    expect(signed).toMatchObject({ sequence: head });
    // Someone holding the database stores a "later" checkpoint: without the key it cannot sign it.
    await rows(
      sql`INSERT INTO ${CHECKPOINTS} (seq, hash, at, key_id, signature)
          VALUES (${head + 100}, ${Buffer.alloc(32)}, now(), ${signed.keyId}, ${Buffer.alloc(64)})`,
    );

    const res = await audit.http().get('/v1/audit/checkpoints/latest').set('Authorization', auditor);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ ...signed, algorithm: 'Ed25519' });
    const [row] = await rows(sql`SELECT encode(hash, 'hex') AS hash FROM ${EVENTS} WHERE seq = ${head}`);
    expect(res.body.hash).toBe(row.hash);
    const publicKey = createPublicKey(res.body.publicKey);
    expect(publicKey.export({ type: 'spki', format: 'pem' })).toBe(testAuditSigningKey().publicKeyPem);
    expect(checkpointVerifies(res.body, publicKey)).toBe(true);
    expect((await verify()).checkpoint).toMatchObject({ sequence: head, hash: row.hash });

    const partner = await bearer({ tenantId: randomUUID(), roles: ['AdminAgent'] });
    expect(
      (await audit.http().get('/v1/audit/checkpoints/latest').set('Authorization', partner)).status,
    ).toBe(403);
  });

  it('U-07: a head moved back behind the checkpoint is found at the first sequence it no longer covers', async () => {
    const head = await append(5);
    await sign();
    expect(await verify()).toMatchObject({ ok: true, firstBrokenSequence: null });

    await tamper(moveHeadBackTo(head - 2));
    expect(await verify()).toMatchObject({
      ok: false,
      firstBrokenSequence: head - 1,
      checkpoint: { sequence: head },
    });
    // Nor will the service sign the moved head, which would hide it.
    await expect(sign()).rejects.toThrow(/behind the latest signed checkpoint/);
  });

  it('U-07: a deleted tail, with the head moved back onto what is left, is found at the first missing row', async () => {
    const head = await append(5);
    await sign();
    await tamper(sql`DELETE FROM ${EVENTS} WHERE seq > ${head - 3}`, moveHeadBackTo(head - 3));
    expect(await verify()).toMatchObject({
      ok: false,
      firstBrokenSequence: head - 2,
      checkpoint: { sequence: head },
    });
  });

  it("U-07: a chain recomputed after a change is found at the checkpoint's sequence", async () => {
    const head = await append(5);
    await sign();
    const changed = head - 3;
    await tamper(
      sql`UPDATE ${EVENTS} SET envelope = jsonb_set(envelope, '{data,dateAgreed}', '"2019-01-01T00:00:00.000Z"')
           WHERE seq = ${changed}`,
    );
    expect(await verify()).toMatchObject({ ok: false, firstBrokenSequence: changed });

    // Whoever holds the database recomputes every hash from there on, and the head: the chain alone is consistent.
    const stored: StoredRow[] = await rows(sql`SELECT ${ROW_COLUMNS} FROM ${EVENTS} ORDER BY seq`);
    let previous = GENESIS_HASH;
    const rewrites: Sql[] = [];
    for (const r of stored) {
      previous = chainHash(previous, r.seq, rowContent(toChainedRow(r)));
      rewrites.push(sql`UPDATE ${EVENTS} SET hash = ${previous} WHERE seq = ${r.seq}`);
    }
    rewrites.push(sql`UPDATE ${CHAIN_HEAD} SET hash = ${previous}`);
    await tamper(...rewrites);

    expect(await verify()).toMatchObject({
      ok: false,
      firstBrokenSequence: head,
      checkpoint: { sequence: head },
    });
    // Rows appended on top are not signed into a new checkpoint that would vouch for the recomputed chain.
    await append(1);
    await expect(sign()).rejects.toThrow(/no longer holds the hash of the latest signed checkpoint/);
    expect(await verify()).toMatchObject({ ok: false, firstBrokenSequence: head });
  });

  it('U-07: a checkpoint the auditor kept still finds a cut log after the stored checkpoints were wiped and the service restarted', async () => {
    const head = await append(5);
    await sign();
    const kept = (await audit.http().get('/v1/audit/checkpoints/latest').set('Authorization', auditor)).body;
    await tamper(
      sql`DELETE FROM ${EVENTS} WHERE seq > ${head - 3}`,
      moveHeadBackTo(head - 3),
      sql`DELETE FROM ${CHECKPOINTS}`,
    );
    await audit.close();
    audit = await startService('audit', (c) => AuditModule.forRoot(c), {
      databaseUrl: db.url,
      groupPrefix: uniqueGroupPrefix('audit-checkpoints'),
    });
    await audit.app.get(AllTopicsConsumer).runner!.stop();
    // The database alone is fooled: the restarted service signed the cut head.
    expect(await verify()).toMatchObject({ ok: true });

    // Other tests' traffic may have landed on top of the cut before the consumer stopped: rows the checkpoint
    // knows nothing of. The first sequence it vouches for that is missing (or, past it, its own) is the break.
    const cutHead = Number((await rows(sql`SELECT seq FROM ${CHAIN_HEAD}`))[0].seq);
    const { sequence, hash, at, keyId, signature } = kept;
    const against = (checkpoint: object) =>
      audit.http().get('/v1/audit/verify').query(checkpoint).set('Authorization', auditor);
    const res = await against({ sequence, hash, at, keyId, signature });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      ok: false,
      firstBrokenSequence: cutHead < head ? cutHead + 1 : head,
      checkpoint: { sequence: head },
    });
    const forged = await against({ sequence, hash: '00'.repeat(32), at, keyId, signature });
    expect(forged.status).toBe(400);
    expect(forged.body).toMatchObject({ code: 610407, errorName: 'InvalidCheckpoint' });
  });

  it('U-07: the service signs the head at every interval while the log grows (AUDIT_CHECKPOINT_INTERVAL_MS)', async () => {
    const other = await createTestDatabase('audit_checkpoint_interval');
    const ticking = await startService(
      'audit',
      (c) => AuditModule.forRoot(c, { ...process.env, AUDIT_CHECKPOINT_INTERVAL_MS: '200' }),
      { databaseUrl: other.url, groupPrefix: uniqueGroupPrefix('audit-interval') },
    );
    try {
      await ticking.app.get(AllTopicsConsumer).runner!.stop();
      const dataSource = ticking.app.get(DataSource);
      for (const round of [1, 2]) {
        await dataSource.transaction((m) => appendToLog(m, AUDIT_SCHEMA, [message(round)]));
        const [head] = await runSql(dataSource, sql`SELECT seq::int AS seq FROM ${CHAIN_HEAD}`);
        await eventually(async () => {
          const res = await ticking.http().get('/v1/audit/checkpoints/latest').set('Authorization', auditor);
          expect(res.body.sequence).toBe(head.seq);
        });
      }
    } finally {
      await ticking.close();
      await other.drop();
    }
  });

  it('U-07: the service signs the head when it stops', async () => {
    const head = await append(2);
    const stopping = audit;
    audit = undefined as unknown as RunningService;
    await stopping.close();
    const latest = await rows(sql`SELECT seq::int AS seq FROM ${CHECKPOINTS} ORDER BY id DESC LIMIT 1`);
    expect(latest).toEqual([{ seq: head }]);
  });
});
