import { randomUUID } from 'crypto';
import { Kafka, logLevel } from 'kafkajs';
import { buildEnvelope, OrderRequestedV1, Topics } from '@app/contracts';
import { signHs256Token } from '@app/platform/auth/dev-token';
import { kafkaSecurityFromEnv } from '@app/platform/config';
import { enhancedWalkthrough } from './demo-enhanced';
import { localJwtSecret, localOperatorTenantId } from './local-secret';

/**
 * A short scenario against the running system (`npm start` first), told in plain words: the
 * operator registers a partner, which creates two customers and attests one customer's acceptance, the commerce
 * platform places two orders, the gate approves one and blocks the other, and the audit shows the trail. Then the
 * enhanced flow for the blocked customer: start, the link, acceptance through the page's form, finalize, approved.
 */
const ATTESTATION = `http://127.0.0.1:${process.env.ATTESTATION_PORT ?? 3001}`;
const RELATIONSHIPS = `http://127.0.0.1:${process.env.RESELLER_RELATIONSHIP_PORT ?? 3002}`;
const AUDIT = `http://127.0.0.1:${process.env.AUDIT_PORT ?? 3004}`;
const MCA_TEMPLATE = '117a77b0-9360-443b-8795-c6dedc750cf9';

async function token(tid: string, roles: string[]): Promise<string> {
  return `Bearer ${await signHs256Token(localJwtSecret(), { tid, oid: randomUUID(), roles })}`;
}

function order(partnerId: string, customerTenantId: string) {
  const data: OrderRequestedV1 = {
    orderId: `demo-${randomUUID().slice(0, 8)}`,
    partnerId,
    customerTenantId,
    kind: 'NewPurchase',
    channel: 'Api',
    requestedAt: new Date().toISOString(),
    lineItems: [{ offerId: 'CFQ7TTC0LH18:0001', quantity: 10 }],
  };
  return buildEnvelope('OrderRequested', data, { producer: 'commerce-platform' });
}

async function main(): Promise<void> {
  const say = (text: string) => console.log(text);
  const partner = randomUUID();

  const kafka = new Kafka({
    clientId: 'demo',
    brokers: (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(','),
    logLevel: logLevel.NOTHING,
    ...kafkaSecurityFromEnv(),
  });
  const groupId = `demo-${randomUUID()}`;
  const admin = kafka.admin();
  await admin.connect();
  const ends = await admin.fetchTopicOffsets(Topics.OrdersDecided);
  await admin.setOffsets({
    groupId,
    topic: Topics.OrdersDecided,
    partitions: ends.map((e) => ({ partition: e.partition, offset: e.high })),
  });
  await admin.disconnect();
  const decisions = new Map<string, any>();
  const consumer = kafka.consumer({ groupId, maxWaitTimeInMs: 50 });
  await consumer.connect();
  await consumer.subscribe({ topics: [Topics.OrdersDecided] });
  await consumer.run({
    eachMessage: async ({ message }) => {
      const event = JSON.parse(message.value?.toString() ?? '{}');
      if (event.data?.orderId) decisions.set(event.data.orderId, event);
    },
  });

  const producer = kafka.producer();
  await producer.connect();

  say('1. The operator registers the partner; the partner creates its two customers.');
  const registered = await fetch(`${RELATIONSHIPS}/v1/partners`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      authorization: await token(localOperatorTenantId(), ['PlatformAdmin']),
    },
    body: JSON.stringify({ id: partner, name: 'Demo partner', partnerType: 'DirectBill', cloud: 'Public' }),
  });
  if (registered.status !== 201)
    throw new Error(`partner registration refused: ${registered.status} ${await registered.text()}`);
  const partnerToken = await token(partner, ['AdminAgent']);
  const customers: string[] = [];
  for (const companyName of ['Contoso', 'Fabrikam']) {
    const created = await fetch(`${RELATIONSHIPS}/v1/customers`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: partnerToken },
      body: JSON.stringify({
        companyProfile: { companyName },
        primaryContact: {
          firstName: 'Dana',
          lastName: 'Example',
          email: `dana@${companyName.toLowerCase()}.example`,
        },
        country: 'US',
      }),
    });
    const customer = (await created.json()) as { id?: string };
    if (created.status !== 201 || !customer.id)
      throw new Error(`customer creation refused: ${created.status} ${JSON.stringify(customer)}`);
    customers.push(customer.id);
  }
  const [contoso, fabrikam] = customers;
  say(`   Partner ${partner} sells to Contoso (${contoso}) and Fabrikam (${fabrikam}).\n`);

  say('2. The partner attests that Contoso accepted the Microsoft Customer Agreement yesterday.');
  const res = await fetch(`${ATTESTATION}/v1/customers/${contoso}/agreements`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: partnerToken },
    body: JSON.stringify({
      primaryContact: { firstName: 'Dana', lastName: 'Example', email: 'dana@contoso.example' },
      dateAgreed: new Date(Date.now() - 86400000).toISOString(),
      templateId: MCA_TEMPLATE,
      type: 'MicrosoftCustomerAgreement',
    }),
  });
  const body = (await res.json()) as { id?: string };
  if (res.status !== 201) throw new Error(`attestation refused: ${res.status} ${JSON.stringify(body)}`);
  say(`   Attestation ${body.id} recorded (HTTP 201). Nobody was emailed: the contact is only stored.\n`);

  const approvedOrder = order(partner, contoso);
  const blockedOrder = order(partner, fabrikam);
  say('3. The commerce platform asks for two new purchases, one per customer.');
  await producer.send({
    topic: Topics.OrdersRequested,
    messages: [approvedOrder, blockedOrder].map((o) => ({
      key: o.data.customerTenantId,
      value: JSON.stringify(o),
    })),
  });

  const deadline = Date.now() + 30000;
  while (decisions.size < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  for (const [name, o] of [
    ['Contoso', approvedOrder],
    ['Fabrikam', blockedOrder],
  ] as const) {
    const d = decisions.get(o.data.orderId);
    if (!d)
      throw new Error(
        `no decision for ${name}'s order ${o.data.orderId} within 30 s: is the order gate running?`,
      );
    const verb = d.eventType === 'OrderApproved' ? 'APPROVED' : 'BLOCKED';
    say(`   ${name}'s order ${o.data.orderId} was ${verb} (${d.data.reason}): ${d.data.message}`);
  }

  say("\n4. The operator's auditor asks the audit log for everything about Contoso.");
  const auditor = await token(localOperatorTenantId(), ['Auditor']);
  let items: Array<{ sequence: number; eventType: string; topic: string }> = [];
  for (let i = 0; i < 50 && items.length < 4; i++) {
    const r = await fetch(`${AUDIT}/v1/audit/events?customerTenantId=${contoso}`, {
      headers: { authorization: auditor },
    });
    items = ((await r.json()) as { items?: typeof items }).items ?? [];
    if (items.length < 4) await new Promise((r) => setTimeout(r, 200));
  }
  for (const item of items) say(`   #${item.sequence}  ${item.eventType} on ${item.topic}`);
  if (items.length < 4)
    throw new Error(
      `the audit log shows ${items.length} of Contoso's 4 events after 10 s: is the audit service consuming?`,
    );

  say('');
  await enhancedWalkthrough({
    say,
    partnerToken,
    customerTenantId: fabrikam,
    companyName: 'Fabrikam',
    order: async () => {
      const next = order(partner, fabrikam);
      await producer.send({
        topic: Topics.OrdersRequested,
        messages: [{ key: fabrikam, value: JSON.stringify(next) }],
      });
      const until = Date.now() + 30000;
      while (!decisions.has(next.data.orderId) && Date.now() < until)
        await new Promise((r) => setTimeout(r, 100));
      const decision = decisions.get(next.data.orderId);
      if (!decision) throw new Error(`no decision for order ${next.data.orderId} within 30 s`);
      return decision;
    },
  });
  await producer.disconnect();
  await consumer.disconnect();
  say('\nDone.');
}

main().catch((err) => {
  console.error(`demo failed: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
