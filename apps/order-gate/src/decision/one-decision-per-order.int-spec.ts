import { randomUUID } from 'crypto';
import { Topics } from '@app/contracts';
import {
  afterEverythingBefore,
  decisionOf,
  decisionsOf,
  givenOrder,
  givenRunningGate,
  publishBatch,
  storedDecisions,
} from '../order-gate.harness';

describe('G-10: exactly one decision per order', () => {
  const sut = givenRunningGate('gate-one-decision');

  it('G-10: the same OrderRequested delivered many times gives one decision', async () => {
    const partnerId = randomUUID();
    const customerTenantId = randomUUID();
    const request = givenOrder(partnerId, customerTenantId);
    const copies = Array.from({ length: 25 }, () => request);
    await publishBatch(sut, Topics.OrdersRequested, customerTenantId, copies);
    await publishBatch(sut, Topics.OrdersRequested, customerTenantId, copies.slice(0, 5));
    await publishBatch(sut, Topics.OrdersRequested, customerTenantId, [
      { ...request, eventId: randomUUID() },
    ]);
    await decisionOf(sut, request.data.orderId);

    await afterEverythingBefore(sut, partnerId, customerTenantId);
    expect(decisionsOf(sut, request.data.orderId)).toHaveLength(1);
    expect(await storedDecisions(sut, [request.data.orderId])).toBe(1);
  });
});
