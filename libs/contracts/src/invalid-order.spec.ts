import { readFileSync } from 'fs';
import { join } from 'path';
import { Topics } from './topics';
import { validateEvent } from './registry';
import { ORDER_ID_MAX_LENGTH, READABLE_ORDER_ID_MAX_LENGTH } from './events/orders';

type Json = Record<string, any>;
const blocked = (): Json =>
  JSON.parse(readFileSync(join(__dirname, '..', 'fixtures', 'OrderBlocked.v1.json'), 'utf8'));

/** An InvalidOrder decision as the gate writes it when only the orderId of the request could be read. */
function invalidOrder(orderId: string): Json {
  const event = blocked();
  const { decidedAt, message, evidence, policyVersion } = event.data;
  event.data = {
    orderId,
    decidedAt,
    reason: 'InvalidOrder',
    message,
    evidence,
    factsComplete: true,
    policyVersion,
  };
  return event;
}

const check = (event: Json) => validateEvent(event, { topic: Topics.OrdersDecided });

describe('G-14: the InvalidOrder decision in the contract', () => {
  it('G-14: carries only what could be read of the request, and an orderId longer than 128 characters', () => {
    expect(check(invalidOrder('x'.repeat(ORDER_ID_MAX_LENGTH + 1))).ok).toBe(true);
    expect(check(invalidOrder('x'.repeat(READABLE_ORDER_ID_MAX_LENGTH))).ok).toBe(true);
    expect(check(invalidOrder('x'.repeat(READABLE_ORDER_ID_MAX_LENGTH + 1))).ok).toBe(false);
  });

  it('G-14: a field it carries is checked like any other', () => {
    const event = invalidOrder('order-1');
    event.data.customerTenantId = '39735C37-A6A1-4F0F-BAE6-525C8F100635';
    expect(check(event)).toMatchObject({ ok: false });
  });

  it('G-14: any other blocked reason still needs every field of the order and a 1..128 orderId', () => {
    const missing = invalidOrder('order-1');
    missing.data.reason = 'AcceptanceMissing';
    expect(check(missing)).toMatchObject({
      ok: false,
      reason: expect.stringContaining('data.partnerId is required'),
    });
    const long = blocked();
    long.data.orderId = 'x'.repeat(ORDER_ID_MAX_LENGTH + 1);
    expect(check(long).ok).toBe(false);
  });

  it('G-11: factsComplete is a boolean, and may be absent (decisions recorded before it)', () => {
    const event = blocked();
    expect(check(event).ok).toBe(true);
    delete event.data.factsComplete;
    expect(check(event).ok).toBe(true);
    event.data.factsComplete = 'yes';
    expect(check(event).ok).toBe(false);
  });
});
