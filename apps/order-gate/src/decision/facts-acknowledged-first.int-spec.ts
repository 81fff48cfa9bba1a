import { randomUUID } from 'crypto';
import { eventually } from '@app/testing';
import { decisionsOf, givenOrder, givenRunningGate, publish } from '../order-gate.harness';
import { givenAttested, givenCustomerCreated } from '../projection/facts.fixtures';

describe('G-11: an order placed after its facts were acknowledged is judged with them', () => {
  const sut = givenRunningGate('gate-facts-first');

  it('G-11: hundreds of orders published right after their facts were acknowledged are never blocked', async () => {
    const iterations = 300;
    const lanes = 15;
    const orderIds: string[] = [];
    await Promise.all(
      Array.from({ length: lanes }, async () => {
        for (let i = 0; i < iterations / lanes; i++) {
          const partnerId = randomUUID();
          const customerTenantId = randomUUID();
          const now = new Date().toISOString();
          // As the services would: each fact acknowledged by the broker before the order is placed.
          await publish(
            sut,
            givenCustomerCreated(partnerId, customerTenantId, now),
            givenAttested(partnerId, customerTenantId, now),
          );
          const request = givenOrder(partnerId, customerTenantId);
          orderIds.push(request.data.orderId);
          await publish(sut, request);
        }
      }),
    );
    const reasons = await eventually(
      () => {
        const got = orderIds.map((id) => decisionsOf(sut, id));
        expect(got.filter((g) => g.length === 0)).toHaveLength(0);
        return got.map((g) => g[0].data.reason);
      },
      { timeoutMs: 60000, intervalMs: 200 },
    );
    expect(reasons.filter((r) => r !== 'AcceptanceConfirmed')).toEqual([]);
  });
});
