import { randomUUID } from 'crypto';
import { ident, join, runSql, Sql, sql } from '@app/messaging';
import {
  auditHarness,
  events,
  EVENTS,
  givenRunningAudit,
  inboundMessage,
  recomputedHash,
} from '../audit.harness';

/**
 * U-02: the log is a hash chain that verify recomputes, and that an auditor can recompute from an
 * export alone. U-06: nothing the service runs can change or delete a stored row.
 */
describe('U-02/U-06 tamper evidence: the chained, append-only log (real broker, real database)', () => {
  const sut = givenRunningAudit('audit-tamper');
  const audit = auditHarness(sut);

  /** Runs statements as the superuser with triggers off: what someone holding the database could do. */
  async function asSuperuserBypassingTriggers(statement: Sql): Promise<void> {
    await sut.pg.query('BEGIN');
    await sut.pg.query('SET LOCAL session_replication_role = replica');
    await audit.rows(statement);
    await sut.pg.query('COMMIT');
  }

  it('U-02: each row hashes its predecessor and its content: the whole chain, recomputed from the export with sha256 alone, is what the log holds, and verify agrees', async () => {
    const customerTenantId = randomUUID();
    const published = [
      events.attested(randomUUID(), customerTenantId),
      events.customerAccepted(customerTenantId),
    ];
    await audit.publish(...published);
    await audit.waitStored(published.map((e) => e.eventId));

    const exported = await audit.get('/v1/audit/export', { format: 'ndjson' });
    expect(exported.status).toBe(200);
    const lines = exported.text
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines.map((l) => l.sequence)).toEqual(lines.map((_, i) => i + 1));
    expect(lines.map((l) => l.eventId)).toEqual(expect.arrayContaining(published.map((e) => e.eventId)));
    let previous = '00'.repeat(32);
    for (const line of lines) {
      expect({ sequence: line.sequence, hash: line.hash }).toEqual({
        sequence: line.sequence,
        hash: recomputedHash(previous, line),
      });
      previous = line.hash;
    }

    const verify = await audit.get('/v1/audit/verify');
    expect(verify.status).toBe(200);
    expect(verify.body).toMatchObject({ ok: true, firstBrokenSequence: null });
    expect(verify.body.checked).toBeGreaterThanOrEqual(lines.length);
  });

  it('U-02: a row changed or removed by a superuser who bypasses the trigger is found by verify at its sequence', async () => {
    const customerTenantId = randomUUID();
    const published = [1, 2, 3].map(() => events.attested(randomUUID(), customerTenantId));
    await audit.publish(...published);
    await audit.waitStored(published.map((e) => e.eventId));
    const [target] = await audit.rows<{ seq: number; envelope: string }>(
      sql`SELECT seq::int AS seq, envelope::text AS envelope FROM ${EVENTS} WHERE event_id = ${published[1].eventId}`,
    );

    await asSuperuserBypassingTriggers(
      sql`UPDATE ${EVENTS} SET envelope = jsonb_set(envelope, '{data,dateAgreed}', '"2019-01-01T00:00:00.000Z"')
           WHERE seq = ${target.seq}`,
    );
    const tampered = await audit.get('/v1/audit/verify');
    expect(tampered.body).toMatchObject({ ok: false, firstBrokenSequence: target.seq });
    expect(tampered.body.checked).toBe(target.seq);

    await asSuperuserBypassingTriggers(
      sql`UPDATE ${EVENTS} SET envelope = ${target.envelope}::jsonb WHERE seq = ${target.seq}`,
    );
    expect((await audit.get('/v1/audit/verify')).body).toMatchObject({ ok: true, firstBrokenSequence: null });

    const [saved] = await audit.rows<Record<string, unknown>>(
      sql`SELECT * FROM ${EVENTS} WHERE seq = ${target.seq}`,
    );
    await asSuperuserBypassingTriggers(sql`DELETE FROM ${EVENTS} WHERE seq = ${target.seq}`);
    expect((await audit.get('/v1/audit/verify')).body).toMatchObject({
      ok: false,
      firstBrokenSequence: target.seq,
    });
    const columns = Object.keys(saved);
    const values = columns.map((c) =>
      c === 'envelope' || c === 'headers' ? sql`${JSON.stringify(saved[c])}` : sql`${saved[c]}`,
    );
    await audit.rows(
      sql`INSERT INTO ${EVENTS} (${join(columns.map((c) => ident(c)))}) VALUES (${join(values)})`,
    );
    expect((await audit.get('/v1/audit/verify')).body).toMatchObject({ ok: true });
  });

  it('U-02: rows holding the edge of every kind of value the log stores verify as they were appended', async () => {
    const base = events.attested(randomUUID(), randomUUID());
    const variant = (changes: Record<string, unknown>) => ({ ...base, eventId: randomUUID(), ...changes });
    const messages = [
      { value: JSON.stringify(variant({ occurredAt: '0001-01-01T00:00:00.000Z' })), timestamp: '0' },
      {
        value: JSON.stringify(variant({ occurredAt: '9999-12-31T23:59:59.999Z' })),
        timestamp: '253402300799999',
      },
      { value: JSON.stringify(variant({ occurredAt: '1969-12-31T23:59:59.999Z' })), timestamp: 'not a time' },
      {
        value: `{"eventId":"${randomUUID()}","n":[1.50,-0,1e3,12345678901234567890,1E400,0.1],"s":"\\u00e9\\/\\n\\"\\\\\\u001f \\ud83d\\ude00","\\uffff":1,"\\ud83d\\ude00":2,"a":{"b":{}}}`,
        key: 'k "quoted" \\ back\u0001slash é 😀',
        headers: { 'x-\ud83d\ude00': 'astral', 'x-\uffff': ['one', 'two'], 'x-ctl': 'a\u0002b' },
      },
      { value: '{"eventId":"x","s":"nul \\u0000 inside"}' },
      { value: Buffer.from([0xff, 0x00, 0x22, 0x5c, 0x0a]) },
      { value: '[1, 2, 3]' },
      { value: '' },
    ].map((m, i) => inboundMessage({ offset: String(1000 + i), ...m }));
    await audit.append(messages);
    const verify = await audit.get('/v1/audit/verify');
    expect(verify.body).toMatchObject({ ok: true, firstBrokenSequence: null });
  });

  it("U-02: any one column the chain covers, changed alone, and two rows put in each other's place, are found by verify at their sequence", async () => {
    const customerTenantId = randomUUID();
    const published = [1, 2, 3].map(() => events.attested(randomUUID(), customerTenantId));
    await audit.publish(...published);
    await audit.waitStored(published.map((e) => e.eventId));
    const [{ seq: target }] = await audit.rows<{ seq: number }>(
      sql`SELECT seq::int AS seq FROM ${EVENTS} WHERE event_id = ${published[1].eventId}`,
    );
    const original = ident('tamper_original');
    await audit.rows(sql`CREATE TEMP TABLE ${original} AS SELECT * FROM ${EVENTS} WHERE seq = ${target}`);
    const changes: Record<string, Sql> = {
      event_id: sql`event_id || 'x'`,
      event_type: sql`'OrderBlocked'`,
      topic: sql`topic || '.dlq'`,
      partition: sql`partition + 1`,
      offset: sql`"offset" + 1`,
      kafka_timestamp: sql`kafka_timestamp + interval '1 millisecond'`,
      key: sql`coalesce(key, '') || 'x'`,
      headers: sql`headers || '{"x-forged":"1"}'::jsonb`,
      partner_id: sql`'someone-else'`,
      customer_tenant_id: sql`${randomUUID()}`,
      order_id: sql`'order-forged'`,
      occurred_at: sql`occurred_at - interval '1 day'`,
      received_at: sql`received_at + interval '1 second'`,
      envelope: sql`jsonb_set(envelope, '{eventVersion}', '2')`,
      raw: sql`'\\x00'::bytea`,
      invalid_reason: sql`'forged'`,
      hash: sql`sha256(hash)`,
    };
    for (const [column, change] of Object.entries(changes)) {
      await asSuperuserBypassingTriggers(
        sql`UPDATE ${EVENTS} SET ${ident(column)} = ${change} WHERE seq = ${target}`,
      );
      const tampered = await audit.get('/v1/audit/verify');
      expect({ column, ...tampered.body }).toMatchObject({ column, ok: false, firstBrokenSequence: target });
      await asSuperuserBypassingTriggers(
        sql`UPDATE ${EVENTS} e SET ${ident(column)} = o.${ident(column)} FROM ${original} o WHERE e.seq = ${target}`,
      );
    }
    expect((await audit.get('/v1/audit/verify')).body).toMatchObject({ ok: true, firstBrokenSequence: null });

    // Reordered: the rows at target and target + 1 swap places, each with its own hash.
    const swap = (from: number, to: number) =>
      asSuperuserBypassingTriggers(sql`UPDATE ${EVENTS} SET seq = ${to} WHERE seq = ${from}`);
    await swap(target, -1);
    await swap(target + 1, target);
    await swap(-1, target + 1);
    expect((await audit.get('/v1/audit/verify')).body).toMatchObject({
      ok: false,
      firstBrokenSequence: target,
    });
    await swap(target, -1);
    await swap(target + 1, target);
    await swap(-1, target + 1);
    expect((await audit.get('/v1/audit/verify')).body).toMatchObject({ ok: true, firstBrokenSequence: null });
    await audit.rows(sql`DROP TABLE ${original}`);
  });

  it("U-06: the service's own connection may not UPDATE, DELETE or TRUNCATE the log, and the trigger refuses them to the owner too", async () => {
    const event = events.attested(randomUUID(), randomUUID());
    await audit.publish(event);
    await audit.waitStored([event.eventId]);
    const service = sut.dataSource();
    const asService = (statement: Sql) => runSql(service, statement);
    await expect(
      asService(sql`UPDATE ${EVENTS} SET topic = 'x' WHERE event_id = ${event.eventId}`),
    ).rejects.toThrow(/permission denied/);
    await expect(asService(sql`DELETE FROM ${EVENTS} WHERE event_id = ${event.eventId}`)).rejects.toThrow(
      /permission denied/,
    );
    await expect(asService(sql`TRUNCATE ${EVENTS}`)).rejects.toThrow(/permission denied/);
    // Nor can it step around the trigger: session_replication_role is for superusers.
    await expect(
      service.transaction(async (m) => {
        await m.query(`SET LOCAL session_replication_role = replica`);
        await runSql(m, sql`DELETE FROM ${EVENTS} WHERE event_id = ${event.eventId}`);
      }),
    ).rejects.toThrow(/permission denied/);

    await expect(
      audit.rows(sql`UPDATE ${EVENTS} SET topic = 'x' WHERE event_id = ${event.eventId}`),
    ).rejects.toThrow(/append-only: UPDATE/);
    await expect(audit.rows(sql`DELETE FROM ${EVENTS} WHERE event_id = ${event.eventId}`)).rejects.toThrow(
      /append-only: DELETE/,
    );
    await expect(audit.rows(sql`TRUNCATE ${EVENTS}`)).rejects.toThrow(/append-only: TRUNCATE/);
    expect(await audit.storedCount([event.eventId])).toBe(1);
    expect((await audit.get('/v1/audit/verify')).body.ok).toBe(true);
  });
});
