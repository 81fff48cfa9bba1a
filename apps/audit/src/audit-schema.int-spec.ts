import { randomUUID } from 'crypto';
import { runSql, sql, table } from '@app/messaging';
import { bearer } from '@app/testing';
import { auditHarness, events, givenRunningAudit } from './audit.harness';
import { RUNTIME_ROLE } from './audit-config';
import { AUDIT_SCHEMA } from './audit-schema';

const ELSEWHERE = 'audit_elsewhere';

/**
 * The schema is the audit's parameter: given another one, the whole service runs in it (migrations,
 * runtime role, ingest, reads, COPY export, verify, checkpoints, partner directory). A statement that
 * still named the default schema would find no table there.
 */
describe('the audit takes its schema as a parameter (real broker, real database)', () => {
  const sut = givenRunningAudit('audit-schema', ELSEWHERE);
  const audit = auditHarness(sut, ELSEWHERE);

  it('runs whole in the schema it is given, and creates nothing in the default one', async () => {
    const { partnerId } = await audit.registeredPartner();
    const customerTenantId = randomUUID();
    const published = [
      events.attested(partnerId, customerTenantId),
      events.customerAccepted(customerTenantId),
    ];
    await audit.publish(...published);
    await audit.waitStored(published.map((e) => e.eventId));

    const partner = await bearer({ tenantId: partnerId, roles: ['AdminAgent'] });
    const read = await audit.get('/v1/audit/events', { customerTenantId }, partner);
    expect(read.status).toBe(200);
    expect(read.body.items.map((i: any) => i.eventId)).toEqual([published[0].eventId]);
    const csv = await audit.get('/v1/audit/export', { customerTenantId, format: 'csv' });
    expect(csv.status).toBe(200);
    expect(csv.text.split('\r\n')).toHaveLength(published.length + 2);
    const evidence = await audit.get(`/v1/audit/customers/${customerTenantId}/evidence`);
    expect(evidence.body.acceptances).toHaveLength(2);
    expect((await audit.get('/v1/audit/verify')).body).toMatchObject({ ok: true });
    expect((await audit.get('/v1/audit/checkpoints/latest')).status).toBe(200);

    const [me] = await runSql(sut.dataSource(), sql`SELECT current_user AS name`);
    expect(me.name).toBe(RUNTIME_ROLE);
    const [{ n }] = await audit.rows(sql`SELECT count(*)::int AS n FROM ${table(ELSEWHERE, 'checkpoints')}`);
    expect(n).toBeGreaterThan(0);
    expect(await audit.rows(sql`SELECT nspname FROM pg_namespace WHERE nspname = ${AUDIT_SCHEMA}`)).toEqual(
      [],
    );
  });
});
