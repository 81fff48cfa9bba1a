import { randomUUID } from 'crypto';
import { DataSource } from 'typeorm';
import { EventEnvelope } from '@app/contracts';
import { sql } from '@app/messaging';
import { givenRunningInstances, ServiceUnderTest } from '@app/testing';
import { auditHarness, events, EVENTS } from '../audit.harness';
import { AUDIT_SCHEMA } from '../audit-schema';
import { AuditModule } from '../audit.module';

/** U-01 with the audit scaled out: two instances share the topics' partitions and one chained log. */
describe('U-01 with two audit instances', () => {
  const audits = givenRunningInstances({
    service: 'audit',
    module: (c) => AuditModule.forRoot(c, process.env, AUDIT_SCHEMA),
    label: 'audit-scale-out',
    instances: 2,
  });
  // The audit specs' helpers, on whichever instance is running.
  const first = () => audits.instance(audits.running()[0]);
  const audit = auditHarness({
    get pg() {
      return audits.pg;
    },
    get producer() {
      return audits.producer;
    },
    http: () => first().http(),
    dataSource: () => first().app.get(DataSource),
  } as unknown as ServiceUnderTest);

  const someEvents = (n: number): EventEnvelope<any>[] =>
    Array.from({ length: n }, (_, i) => {
      const partnerId = randomUUID();
      const customerTenantId = randomUUID();
      return i % 3 === 0
        ? events.attested(partnerId, customerTenantId)
        : i % 3 === 1
          ? events.tenantCreated(partnerId, customerTenantId)
          : events.relationshipAccepted(partnerId, customerTenantId);
    });

  it('U-01: through a crash of one instance and its restart, every event is kept once and the chain verifies', async () => {
    const sent: EventEnvelope<any>[] = [];
    const wave = async () => {
      const batch = someEvents(60);
      sent.push(...batch);
      await audit.publish(...batch);
    };
    await wave();
    await audit.waitStored(sent.map((e) => e.eventId));
    const crashing = audits.crash(1);
    await wave();
    await crashing;
    await wave();
    await audits.start(1);
    await wave();

    const ids = sent.map((e) => e.eventId);
    await audit.waitStored(ids);
    const twice = await audit.rows<{ event_id: string }>(
      sql`SELECT event_id FROM ${EVENTS} WHERE event_id = ANY(${ids}) GROUP BY event_id HAVING count(*) > 1`,
    );
    expect(twice).toEqual([]);
    for (const i of audits.running()) {
      const verify = await audits
        .instance(i)
        .http()
        .get('/v1/audit/verify')
        .set('Authorization', await audit.auditor());
      expect(verify.status).toBe(200);
      expect(verify.body).toMatchObject({ ok: true, firstBrokenSequence: null });
    }
  });
});
