import { buildEnvelope } from '@app/contracts';
import { toAuditRecord } from './audit-record';

describe('toAuditRecord (U-01)', () => {
  it('U-01: keeps a valid event with its envelope and the ids it is queried by', () => {
    const envelope = buildEnvelope(
      'OrderRequested',
      {
        orderId: 'o-1',
        partnerId: '11111111-1111-4111-8111-111111111111',
        customerTenantId: '22222222-2222-4222-8222-222222222222',
        kind: 'NewPurchase',
        channel: 'Api',
        requestedAt: '2026-11-21T10:00:00.000Z',
        lineItems: [{ offerId: 'x', quantity: 1 }],
      },
      { producer: 'commerce-platform' },
    );
    const record = toAuditRecord('commerce.orders.requested', Buffer.from(JSON.stringify(envelope)));
    expect(record).toMatchObject({
      eventId: envelope.eventId,
      eventType: 'OrderRequested',
      partnerId: '11111111-1111-4111-8111-111111111111',
      customerTenantId: '22222222-2222-4222-8222-222222222222',
      orderId: 'o-1',
      invalidReason: null,
      raw: null,
    });
  });

  it('U-01: keeps a message that is not JSON as raw bytes with the reason', () => {
    const record = toAuditRecord('agreements.acceptance', Buffer.from('<xml/>'));
    expect(record.envelope).toBeNull();
    expect(record.raw?.toString()).toBe('<xml/>');
    expect(record.invalidReason).toMatch(/not valid JSON/);
  });

  it('U-01: keeps JSON that breaks the contract, with the reason', () => {
    const record = toAuditRecord(
      'agreements.acceptance',
      Buffer.from(JSON.stringify({ eventId: 'x', data: {} })),
    );
    expect(record.envelope).toEqual({ eventId: 'x', data: {} });
    expect(record.invalidReason).toBeTruthy();
  });
});
