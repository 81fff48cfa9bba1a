import { randomUUID } from 'crypto';
import { bearer } from '@app/testing';
import { auditHarness, events, givenRunningAudit } from '../audit.harness';

/** U-03: auditors query by partner, customer, order, event type and time range; a partner reads its own. */
describe('U-03 queries: filters, pages and who may read (real broker, real database)', () => {
  const sut = givenRunningAudit('audit-queries');
  const audit = auditHarness(sut);

  it('U-03: queries by partner, customer, order, event type and time range', async () => {
    const [partnerA, partnerB] = [randomUUID(), randomUUID()];
    const customerTenantId = randomUUID();
    const orderId = `order-${randomUUID()}`;
    const old = new Date('2024-01-01T00:00:00.000Z');
    const published = [
      events.attested(partnerA, customerTenantId),
      events.attested(partnerB, customerTenantId),
      events.orderRequested(partnerA, customerTenantId, orderId, old),
      events.relationshipAccepted(partnerB, customerTenantId),
    ];
    await audit.publish(...published);
    await audit.waitStored(published.map((e) => e.eventId));
    const ids = async (query: Record<string, string>): Promise<string[]> => {
      const res = await audit.get('/v1/audit/events', { customerTenantId, ...query });
      expect(res.status).toBe(200);
      return res.body.items.map((i: any) => i.eventId);
    };
    // Events of different topics arrive in no fixed order between them: those compare as sets.
    const set = (xs: string[]) => [...xs].sort();
    const [a1, b1, order, rel] = published.map((e) => e.eventId);
    expect(set(await ids({}))).toEqual(set([a1, b1, order, rel]));
    expect(set(await ids({ partnerId: partnerA }))).toEqual(set([a1, order]));
    expect(await ids({ orderId })).toEqual([order]);
    // Both on one topic under one key, one partition: in the order they were sent.
    expect(await ids({ eventType: 'AgreementAttested' })).toEqual([a1, b1]);
    expect(await ids({ from: '2023-12-31T00:00:00Z', to: '2024-01-02T00:00:00Z' })).toEqual([order]);
    expect(set(await ids({ from: '2025-01-01T00:00:00Z' }))).toEqual(set([a1, b1, rel]));
  });

  it('U-03: keyset pagination is stable while events are being inserted: no row skipped, none repeated', async () => {
    const partnerId = randomUUID();
    const customerTenantId = randomUUID();
    const first = Array.from({ length: 30 }, () => events.attested(partnerId, customerTenantId));
    await audit.publish(...first);
    await audit.waitStored(first.map((e) => e.eventId));

    const more = Array.from({ length: 30 }, () => events.attested(partnerId, customerTenantId));
    const publishing = audit.publish(...more);
    const seen: Array<{ sequence: number; eventId: string }> = [];
    let cursor: string | undefined;
    do {
      const res = await audit.get('/v1/audit/events', {
        customerTenantId,
        limit: 7,
        ...(cursor ? { cursor } : {}),
      });
      expect(res.status).toBe(200);
      seen.push(...res.body.items);
      expect(res.body.nextCursor).toBe(res.body.continuationToken);
      cursor = res.body.continuationToken ?? undefined;
    } while (cursor);
    await publishing;
    await audit.waitStored(more.map((e) => e.eventId));

    const all = await audit.get('/v1/audit/events', { customerTenantId, limit: 1000 });
    const final = all.body.items.map((i: any) => i.eventId);
    expect(final).toHaveLength(60);
    // What the pages returned is exactly the start of the final log: nothing skipped, nothing twice.
    expect(seen.map((i) => i.eventId)).toEqual(final.slice(0, seen.length));
    expect(seen.length).toBeGreaterThanOrEqual(30);
    expect(final.slice(0, 30)).toEqual(first.map((e) => e.eventId));
  });

  it('U-03: a bad cursor, filter, time range or export format is a 400 in Partner Center shape', async () => {
    const cases: Array<[Record<string, string>, number, string, string]> = [
      [{ cursor: 'not-a-cursor' }, 610400, 'InvalidCursor', '/v1/audit/events'],
      [{ cursor: Buffer.from('v1:abc').toString('base64url') }, 610400, 'InvalidCursor', '/v1/audit/events'],
      [{ customerTenantId: 'fabrikam' }, 610401, 'InvalidFilter', '/v1/audit/events'],
      [{ limit: '5000' }, 610401, 'InvalidFilter', '/v1/audit/events'],
      [{ from: 'yesterday' }, 610402, 'InvalidTimeRange', '/v1/audit/events'],
      [
        { from: '2026-02-01T00:00:00Z', to: '2026-01-01T00:00:00Z' },
        610402,
        'InvalidTimeRange',
        '/v1/audit/events',
      ],
      [{ format: 'xml' }, 610403, 'UnsupportedExportFormat', '/v1/audit/export'],
      [{ orderId: 'order-\u0000' }, 610040, 'InvalidCharacters', '/v1/audit/export'],
    ];
    for (const [query, code, errorName, path] of cases) {
      const res = await audit.get(path, query);
      expect(res.status).toBe(400);
      expect(res.body).toMatchObject({ code, errorName, isRetryable: false });
      expect(res.body.description).toEqual(expect.any(String));
    }
  });

  it("U-03: a partner reads only its own partner's events, naming another partner is 403, a customer gets 403", async () => {
    const { partnerId: partnerA, registrationEventId } = await audit.registeredPartner();
    const partnerB = randomUUID();
    const customerTenantId = randomUUID();
    const published = [
      events.attested(partnerA, customerTenantId),
      events.attested(partnerB, customerTenantId),
      events.customerAccepted(customerTenantId),
    ];
    await audit.publish(...published);
    await audit.waitStored(published.map((e) => e.eventId));
    const tokenA = await bearer({ tenantId: partnerA, roles: ['AdminAgent'] });

    const mine = await audit.get('/v1/audit/events', { customerTenantId }, tokenA);
    expect(mine.body.items.map((i: any) => i.eventId)).toEqual([published[0].eventId]);
    const unfiltered = await audit.get('/v1/audit/events', { limit: 1000 }, tokenA);
    expect(unfiltered.body.items.length).toBeGreaterThan(0);
    expect(unfiltered.body.items.every((i: any) => i.partnerId === partnerA)).toBe(true);
    const exported = await audit.get('/v1/audit/export', { format: 'ndjson' }, tokenA);
    const lines = exported.text
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines.map((l) => l.eventId)).toEqual([registrationEventId, published[0].eventId]);

    const other = await audit.get('/v1/audit/events', { partnerId: partnerB }, tokenA);
    expect(other.status).toBe(403);
    expect(other.body).toMatchObject({ code: 610404, errorName: 'OtherPartnerForbidden' });
    expect((await audit.get('/v1/audit/verify', {}, tokenA)).status).toBe(403);

    const customer = await bearer({ tenantId: customerTenantId, roles: ['Customer'] });
    for (const path of [
      '/v1/audit/events',
      '/v1/audit/export',
      `/v1/audit/customers/${customerTenantId}/evidence`,
    ]) {
      const res = await audit.get(path, {}, customer);
      expect(res.status).toBe(403);
      expect(res.body.code).toBe(610003);
    }
  });
});
