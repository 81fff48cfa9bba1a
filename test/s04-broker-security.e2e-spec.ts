/*
 * S-04 against a real secured broker: the launcher's secured mode (SASL/SCRAM-SHA-512, StandardAuthorizer,
 * allow.everyone.if.no.acl.found=false, the ACLs of libs/contracts/src/topic-access.json), started by this
 * file on ports of its own and stopped at the end. Every service runs with its own principal.
 */
import { execFileSync } from 'child_process';
import { readFileSync, rmSync } from 'fs';
import { join } from 'path';
import { Consumer, Kafka, logLevel, Producer } from 'kafkajs';
import { randomUUID } from 'crypto';
import { buildEnvelope, EventEnvelope, OrderRequestedV1, Principal, Topics } from '@app/contracts';
import {
  bearer,
  createTestDatabase,
  eventually,
  operatorBearer,
  REPO_ROOT,
  RunningService,
  startService,
  TestDatabase,
} from '@app/testing';
import { AttestationModule } from '../apps/attestation/src/attestation.module';
import { AuditModule } from '../apps/audit/src/audit.module';
import { OrderGateModule } from '../apps/order-gate/src/order-gate.module';
import { ResellerRelationshipModule } from '../apps/reseller-relationship/src/reseller-relationship.module';

const MCA_TEMPLATE = '117a77b0-9360-443b-8795-c6dedc750cf9';
const CACHE_DIR = join(REPO_ROOT, '.cache', 'kafka-secured-test');
const PORT = 9196;
const BROKERS = [`127.0.0.1:${PORT}`];
const GROUP_PREFIX = 'acceptance-gate';
const LAUNCHER_ENV = {
  ...process.env,
  KAFKA_CACHE_DIR: CACHE_DIR,
  KAFKA_PORT: String(PORT),
  KAFKA_CONTROLLER_PORT: String(PORT + 1),
  KAFKA_GROUP_PREFIX: GROUP_PREFIX,
  KAFKA_SSL: '',
  KAFKA_SASL_MECHANISM: '',
  KAFKA_SASL_USERNAME: '',
  KAFKA_SASL_PASSWORD: '',
};

const launcher = (command: string) =>
  execFileSync('bash', [join(REPO_ROOT, 'deploy/local/kafka.sh'), command, '--secured'], {
    env: LAUNCHER_ENV,
    stdio: 'inherit',
  });

const passwordOf = (principal: string) =>
  readFileSync(join(CACHE_DIR, 'credentials', `${principal}.password`), 'utf8').trim();

function loginEnv(principal: Principal): Record<string, string> {
  return {
    KAFKA_SASL_MECHANISM: 'scram-sha-512',
    KAFKA_SASL_USERNAME: principal,
    KAFKA_SASL_PASSWORD: passwordOf(principal),
  };
}

function kafkaAs(principal: string | undefined, password = principal && passwordOf(principal)): Kafka {
  return new Kafka({
    clientId: `s04-${principal ?? 'anonymous'}`,
    brokers: BROKERS,
    logLevel: logLevel.NOTHING,
    connectionTimeout: 3000,
    requestTimeout: 5000,
    retry: { retries: 1, initialRetryTime: 100 },
    ...(principal ? { sasl: { mechanism: 'scram-sha-512', username: principal, password: password! } } : {}),
  });
}

/** Everything a kafkajs failure says about itself, its cause included. */
function describeFailure(error: unknown): string {
  const parts: string[] = [];
  for (let e = error as any; e; e = e.originalError ?? e.cause)
    parts.push(`${e.name} ${e.type ?? ''} ${e.message}`);
  return parts.join(' <- ');
}

async function failureOf(work: () => Promise<unknown>): Promise<string> {
  try {
    await work();
  } catch (error) {
    return describeFailure(error);
  }
  throw new Error('expected the broker to refuse');
}

function orderRequested(partnerId: string, customerTenantId: string): EventEnvelope<OrderRequestedV1> {
  const data: OrderRequestedV1 = {
    orderId: `s04-${randomUUID()}`,
    partnerId,
    customerTenantId,
    kind: 'NewPurchase',
    channel: 'Api',
    requestedAt: new Date().toISOString(),
    lineItems: [{ offerId: 'CFQ7TTC0LH18:0001', quantity: 2 }],
  };
  return buildEnvelope('OrderRequested', data, { producer: 'commerce-platform' });
}

describe('S-04: every service on the secured broker with its own principal, and nothing more', () => {
  let db: TestDatabase;
  const services: Partial<Record<'attestation' | 'relationships' | 'gate' | 'audit', RunningService>> = {};
  let commerce: Producer;
  let decisions: Consumer;
  const decided: EventEnvelope<Record<string, any>>[] = [];

  const start = (
    principal: Principal & ('attestation' | 'reseller-relationship' | 'order-gate' | 'audit'),
    module: Parameters<typeof startService>[1],
  ) =>
    startService(principal, module, {
      databaseUrl: db.url,
      groupPrefix: GROUP_PREFIX,
      brokers: BROKERS,
      env: loginEnv(principal),
    });

  beforeAll(async () => {
    launcher('stop');
    // A fresh cluster each run: new passwords, no consumer group left from a previous run.
    for (const entry of ['data', 'cluster.id', 'credentials'])
      rmSync(join(CACHE_DIR, entry), { recursive: true, force: true });
    launcher('start');

    db = await createTestDatabase('s04_secured');
    services.relationships = await start('reseller-relationship', (c) =>
      ResellerRelationshipModule.forRoot(c, {}),
    );
    services.attestation = await start('attestation', (c) => AttestationModule.forRoot(c, {}, {}));
    services.gate = await start('order-gate', (c) => OrderGateModule.forRoot(c));
    services.audit = await start('audit', (c) => AuditModule.forRoot(c));

    commerce = kafkaAs('commerce-platform').producer({ allowAutoTopicCreation: false });
    await commerce.connect();
    decisions = kafkaAs('commerce-platform').consumer({
      groupId: `${GROUP_PREFIX}.commerce-platform.decisions`,
      maxWaitTimeInMs: 100,
    });
    await decisions.connect();
    await decisions.subscribe({ topics: [Topics.OrdersDecided], fromBeginning: true });
    await decisions.run({
      eachMessage: async ({ message }) => {
        decided.push(JSON.parse(message.value!.toString('utf8')));
      },
    });
  }, 600000);

  afterAll(async () => {
    await decisions?.disconnect();
    await commerce?.disconnect();
    for (const service of Object.values(services)) await service?.close();
    await db?.drop();
    launcher('stop');
  }, 120000);

  it('S-04: each service writes its own topic and reads what it consumes, each under its own login', async () => {
    const partnerId = randomUUID();
    const customerTenantId = randomUUID();

    // reseller-relationship writes partners.relationships (its outbox, under its principal) ...
    const registered = await services
      .relationships!.http()
      .post('/v1/partners')
      .set('Authorization', await operatorBearer(['PlatformAdmin']))
      .send({ id: partnerId, name: 'Secured Partner', partnerType: 'DirectBill', cloud: 'Public' });
    expect(registered.status).toBe(201);
    const relationships = kafkaAs('reseller-relationship').producer({ allowAutoTopicCreation: false });
    await relationships.connect();
    await relationships.send({
      topic: Topics.PartnersRelationships,
      acks: -1,
      messages: [
        {
          key: customerTenantId,
          value: JSON.stringify(
            buildEnvelope(
              'CustomerTenantCreated',
              { customerTenantId, partnerId, companyName: 'Contoso', cloud: 'Public', country: 'US' },
              { producer: 'reseller-relationship' },
            ),
          ),
        },
      ],
    });
    await relationships.disconnect();

    // ... attestation reads it and writes agreements.acceptance ...
    const attested = await eventually(
      async () => {
        const res = await services
          .attestation!.http()
          .post(`/v1/customers/${customerTenantId}/agreements`)
          .set('Authorization', await bearer({ tenantId: partnerId, roles: ['AdminAgent'] }))
          .send({
            primaryContact: { firstName: 'Ada', lastName: 'Lovelace', email: 'ada@contoso.example' },
            dateAgreed: new Date(Date.now() - 3600000).toISOString(),
            templateId: MCA_TEMPLATE,
            type: 'MicrosoftCustomerAgreement',
          });
        expect(res.status).toBe(201);
        return res;
      },
      { timeoutMs: 60000, intervalMs: 500 },
    );
    expect(attested.status).toBe(201);

    // ... the commerce platform writes its order, the gate reads the facts and the order and writes
    // the decision, which the commerce platform reads ...
    const order = orderRequested(partnerId, customerTenantId);
    await commerce.send({
      topic: Topics.OrdersRequested,
      acks: -1,
      messages: [{ key: customerTenantId, value: JSON.stringify(order) }],
    });
    const decision = await eventually(
      () => {
        const mine = decided.find((d) => d.data.orderId === order.data.orderId);
        expect(mine).toBeDefined();
        return mine!;
      },
      { timeoutMs: 60000, intervalMs: 200 },
    );
    expect(decision).toMatchObject({
      eventType: 'OrderApproved',
      producer: 'order-gate',
      data: { reason: 'AcceptanceConfirmed', evidence: { acceptanceSource: 'PartnerAttestation' } },
    });

    // ... and the audit reads every topic.
    const auditor = await operatorBearer(['Auditor']);
    await eventually(
      async () => {
        const res = await services
          .audit!.http()
          .get('/v1/audit/events')
          .query({ orderId: order.data.orderId })
          .set('Authorization', auditor);
        expect(res.status).toBe(200);
        expect(res.body.items.map((i: { eventType: string }) => i.eventType).sort()).toEqual([
          'OrderApproved',
          'OrderRequested',
        ]);
      },
      { timeoutMs: 60000, intervalMs: 500 },
    );
  });

  it("S-04: the commerce platform's principal cannot write agreements.acceptance, nor any fact topic", async () => {
    const forged = buildEnvelope(
      'AgreementAttested',
      {
        attestationId: randomUUID(),
        partnerId: randomUUID(),
        customerTenantId: randomUUID(),
        agreementType: 'MicrosoftCustomerAgreement',
        templateId: MCA_TEMPLATE,
        dateAgreed: new Date().toISOString(),
        userId: randomUUID(),
        primaryContact: { firstName: 'Eve', lastName: 'Forger', email: 'eve@example.com' },
        channel: 'Api',
      },
      { producer: 'attestation' },
    );
    for (const topic of [Topics.AgreementsAcceptance, Topics.PartnersRelationships, Topics.OrdersDecided]) {
      const failure = await failureOf(() =>
        commerce.send({
          topic,
          acks: -1,
          messages: [{ key: forged.data.customerTenantId, value: JSON.stringify(forged) }],
        }),
      );
      expect(failure).toMatch(/TOPIC_AUTHORIZATION_FAILED|not authorized/i);
    }
  });

  it("S-04: a principal cannot read what it does not consume, nor join another service's consumer group", async () => {
    const readsFacts = kafkaAs('commerce-platform').consumer({
      groupId: `${GROUP_PREFIX}.commerce-platform.snoop-${randomUUID()}`,
    });
    const brokerErrors: string[] = [];
    const listening = new Kafka({
      clientId: 's04-commerce-platform-listening',
      brokers: BROKERS,
      logLevel: logLevel.DEBUG,
      logCreator: () => (entry) => {
        const error = (entry.log as { error?: { type?: string } }).error;
        if (error?.type) brokerErrors.push(error.type);
      },
      sasl: {
        mechanism: 'scram-sha-512',
        username: 'commerce-platform',
        password: passwordOf('commerce-platform'),
      },
    });
    const inGatesGroup = listening.consumer({
      groupId: `${GROUP_PREFIX}.order-gate.facts`,
      retry: { retries: 1 },
    });
    try {
      await readsFacts.connect();
      expect(
        await failureOf(() =>
          readsFacts.subscribe({ topics: [Topics.AgreementsAcceptance], fromBeginning: true }),
        ),
      ).toMatch(/TOPIC_AUTHORIZATION_FAILED|not authorized/i);

      // kafkajs reports a refused FindCoordinator only as "Failed to find group coordinator": the broker's
      // own answer is in its debug log, so the client listens to it.
      await inGatesGroup.connect();
      await inGatesGroup.subscribe({ topics: [Topics.OrdersDecided] });
      await inGatesGroup.run({ eachMessage: async () => undefined });
      await eventually(() => expect(brokerErrors.join('\n')).toMatch(/GROUP_AUTHORIZATION_FAILED/), {
        timeoutMs: 30000,
      });
    } finally {
      await readsFacts.disconnect();
      await inGatesGroup.disconnect();
    }
  });

  it('S-04: a client without a login, or with a wrong password, is refused; the same call with a login answers', async () => {
    const describeClusterAs = (kafka: Kafka) => async () => {
      const admin = kafka.admin();
      try {
        await admin.connect();
        return await admin.describeCluster();
      } finally {
        await admin.disconnect();
      }
    };

    expect(await failureOf(describeClusterAs(kafkaAs(undefined)))).toMatch(/Connection|closed|timeout|SASL/i);
    expect(await failureOf(describeClusterAs(kafkaAs('order-gate', 'not-the-password')))).toMatch(
      /SASL|Authentication failed/i,
    );
    await expect(describeClusterAs(kafkaAs('order-gate'))()).resolves.toMatchObject({
      brokers: [{ port: PORT }],
    });
  });
});
