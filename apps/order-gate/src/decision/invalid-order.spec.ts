import { randomUUID } from 'crypto';
import { buildEnvelope, READABLE_ORDER_ID_MAX_LENGTH } from '@app/contracts';
import { DEFAULT_POLICY } from '../policy/policy-loader';
import { invalidOrderDecision, readInvalidOrder } from './invalid-order';

type Json = Record<string, any>;
const request = (spoil: (envelope: Json) => void = () => undefined): Buffer => {
  const envelope: Json = buildEnvelope(
    'OrderRequested',
    {
      orderId: 'order-1',
      partnerId: randomUUID(),
      customerTenantId: randomUUID(),
      kind: 'NewPurchase',
      channel: 'Api',
      requestedAt: '2026-11-21T10:00:00.000Z',
      lineItems: [],
    },
    { producer: 'commerce-platform' },
  );
  spoil(envelope);
  return Buffer.from(JSON.stringify(envelope));
};

describe('G-14: what can be read of a request that failed validation', () => {
  it('G-14: keeps the orderId as it is, however long up to the readable maximum, and the valid fields', () => {
    const orderId = 'x'.repeat(READABLE_ORDER_ID_MAX_LENGTH);
    const read = readInvalidOrder(
      request((e) => {
        e.data.orderId = orderId;
        e.data.customerTenantId = e.data.customerTenantId.toUpperCase();
        e.data.kind = 'Refund';
      }),
    );
    expect(read).toMatchObject({ orderId, requestedAt: '2026-11-21T10:00:00.000Z' });
    expect(read?.partnerId).toMatch(/^[0-9a-f-]{36}$/);
    expect(read?.customerTenantId).toBeUndefined();
    expect(read?.kind).toBeUndefined();
  });

  it.each<[string, (e: Json) => void]>([
    ['no orderId', (e) => delete e.data.orderId],
    ['an empty orderId', (e) => (e.data.orderId = '')],
    ['a numeric orderId', (e) => (e.data.orderId = 42)],
    [
      'an orderId past the readable maximum',
      (e) => (e.data.orderId = 'x'.repeat(READABLE_ORDER_ID_MAX_LENGTH + 1)),
    ],
    ['a NUL in the orderId', (e) => (e.data.orderId = 'a\u0000b')],
    ['a lone surrogate in the orderId', (e) => (e.data.orderId = 'a\ud800b')],
    ['another event type', (e) => (e.eventType = 'OrderApproved')],
    ['another producer than the commerce platform (S-04)', (e) => (e.producer = 'attestation')],
    ['no data', (e) => delete e.data],
  ])('G-14: cannot answer a request with %s', (_, spoil) => {
    expect(readInvalidOrder(request(spoil))).toBeUndefined();
  });

  it('G-14: cannot answer what is not JSON', () => {
    expect(readInvalidOrder(Buffer.from('{"data": {"orderId": "o-1"}'))).toBeUndefined();
    expect(readInvalidOrder(null)).toBeUndefined();
  });

  it('G-14, G-08: the decision is a block that lists what is wrong and what to do', () => {
    const decision = invalidOrderDecision(DEFAULT_POLICY, 'data.kind must be one of the following values');
    expect(decision).toMatchObject({
      outcome: 'Blocked',
      reason: 'InvalidOrder',
      policyVersion: DEFAULT_POLICY.id,
    });
    expect(decision.message).toContain('data.kind must be one of the following values');
    expect(decision.message).toContain('new orderId');
    expect(decision.evidence.acceptanceEventId).toBeNull();
  });
});
