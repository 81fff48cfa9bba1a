import { Topics } from '@app/contracts';
import { factPartitionsOf, partitionOf } from './fact-partitions';

const COUNTS = new Map([
  [Topics.AgreementsAcceptance, 6],
  [Topics.PartnersRelationships, 6],
  [Topics.AgreementsTemplates, 6],
]);
const order = {
  orderId: 'o-1',
  partnerId: 'a28aa719-be8d-4759-92e8-da090afb6e9b',
  customerTenantId: '39735c37-a6a1-4f0f-bae6-525c8f100635',
  kind: 'NewPurchase' as const,
  channel: 'Api' as const,
  requestedAt: '2026-11-21T10:00:00.000Z',
  lineItems: [],
};

describe('G-11: the fact partitions an order is judged on', () => {
  it('G-11: a key always maps to the same partition, and keys spread over all of them', () => {
    // That it is the partition the producers pick is shown by facts-backlog.int-spec.ts on the real broker.
    expect(partitionOf('t', 6, 'customer-1')).toMatch(/^t:[0-5]$/);
    expect(partitionOf('t', 6, 'customer-1')).toBe(partitionOf('t', 6, 'customer-1'));
    const spread = new Set(Array.from({ length: 60 }, (_, i) => partitionOf('t', 6, `key-${i}`)));
    expect(spread.size).toBe(6);
  });

  it("G-11: the customer's acceptance and relationship partitions, the partners', and every template partition", () => {
    const reseller = '5b0c2d1e-3f4a-4b5c-8d6e-7f8091a2b3c4';
    const needs = factPartitionsOf({ ...order, resellerPartnerId: reseller }, COUNTS)!;
    expect(needs).toEqual(
      expect.arrayContaining([
        partitionOf(Topics.AgreementsAcceptance, 6, order.customerTenantId),
        partitionOf(Topics.PartnersRelationships, 6, order.customerTenantId),
        partitionOf(Topics.PartnersRelationships, 6, order.partnerId),
        partitionOf(Topics.PartnersRelationships, 6, reseller),
        ...[0, 1, 2, 3, 4, 5].map((p) => `${Topics.AgreementsTemplates}:${p}`),
      ]),
    );
    expect(needs.filter((k) => k.startsWith(Topics.AgreementsAcceptance))).toHaveLength(1);
  });

  it('G-11: every partition counts when a topic is not known', () => {
    expect(factPartitionsOf(order, new Map())).toBeUndefined();
  });
});
