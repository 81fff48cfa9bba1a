/* Test harness of the attestation service's int-specs: the running service and what its tests do with
 * it (a related pair, an attestation, a withdrawal, a read). Only for *.int-spec.ts files (excluded from
 * the build with libs/testing). */
import { randomUUID } from 'crypto';
import type { QueryResult } from 'pg';
import { PartnerType, Topic, TOPIC_WRITERS, Topics } from '@app/contracts';
import { runSql, sql, table } from '@app/messaging';
import {
  bearer,
  eventually,
  givenRunningService,
  RecordedMessage,
  ServiceUnderTest,
  testKafka,
} from '@app/testing';
import { AttestationModule } from './attestation.module';
import { attestationBody, givenCustomerCreated, givenPartnerRegistered } from './attestation.fixtures';
import { ATTESTATION_SCHEMA } from './config';

/** Every topic the attestation service may write, as libs/contracts/src/topic-access.json says. */
export const ATTESTATION_TOPICS: readonly Topic[] = (Object.keys(TOPIC_WRITERS) as Topic[]).filter((topic) =>
  TOPIC_WRITERS[topic].includes('attestation'),
);

/**
 * The attestation service of one spec file, recording every topic it may write. `env` is the whole
 * environment its settings are read from (none by default: the defaults of config.ts).
 */
export function givenAttestationService(label: string, env: Record<string, string> = {}): ServiceUnderTest {
  return givenRunningService({
    service: 'attestation',
    module: (config) => AttestationModule.forRoot(config, {}, env),
    record: ATTESTATION_TOPICS,
    label,
  });
}

export interface RelatedPair {
  partnerId: string;
  customerTenantId: string;
}

/** A partner (direct-bill by default) that created a customer: the ordinary case. */
export async function givenRelatedPair(
  sut: ServiceUnderTest,
  partnerType: PartnerType = 'DirectBill',
): Promise<RelatedPair> {
  const partnerId = randomUUID();
  const customerTenantId = randomUUID();
  await givenPartnerRegistered(sut.producer, partnerId, partnerType);
  await givenCustomerCreated(sut.producer, partnerId, customerTenantId);
  return { partnerId, customerTenantId };
}

export interface AttestAs {
  roles?: string[];
  userId?: string;
  requestId?: string;
  correlationId?: string;
}

/** POST /v1/customers/{customerTenantId}/agreements as the partner (an AdminAgent unless told). */
export async function attest(
  sut: ServiceUnderTest,
  partnerId: string,
  customerTenantId: string,
  body: object = attestationBody(),
  as: AttestAs = {},
) {
  const req = sut
    .http()
    .post(`/v1/customers/${customerTenantId}/agreements`)
    .set(
      'Authorization',
      await bearer({ tenantId: partnerId, roles: as.roles ?? ['AdminAgent'], userId: as.userId }),
    );
  if (as.requestId) req.set('MS-RequestId', as.requestId);
  if (as.correlationId) req.set('MS-CorrelationId', as.correlationId);
  return req.send(body);
}

/** POST …/agreements/withdrawals of the customer's Customer Agreement, as an AdminAgent of the partner. */
export async function withdraw(
  sut: ServiceUnderTest,
  partnerId: string,
  customerTenantId: string,
  reason = 'The customer revoked its acceptance.',
) {
  return sut
    .http()
    .post(`/v1/customers/${customerTenantId}/agreements/withdrawals`)
    .set('Authorization', await bearer({ tenantId: partnerId, roles: ['AdminAgent'] }))
    .send({ type: 'MicrosoftCustomerAgreement', reason });
}

/** GET /v1/customers/{customerTenantId}/agreements as a SalesAgent of the partner. */
export async function listFor(
  sut: ServiceUnderTest,
  partnerId: string,
  customerTenantId: string,
  agreementType?: string,
) {
  const req = sut
    .http()
    .get(`/v1/customers/${customerTenantId}/agreements`)
    .set('Authorization', await bearer({ tenantId: partnerId, roles: ['SalesAgent'] }));
  if (agreementType !== undefined) req.query({ agreementType });
  return req;
}

/** How many attestation rows the service keeps for the customer, of every partner. */
export async function rowsFor(sut: ServiceUnderTest, customerTenantId: string): Promise<number> {
  const { rows } = await runSql<QueryResult<{ n: number }>>(
    sut.pg,
    sql`SELECT count(*)::int AS n FROM ${table(ATTESTATION_SCHEMA, 'attestations')}
         WHERE customer_tenant_id = ${customerTenantId}`,
  );
  return rows[0].n;
}

/** What is on `agreements.acceptance` under the customer's key, in partition order. */
export const acceptanceEventsFor = (sut: ServiceUnderTest, customerTenantId: string): RecordedMessage[] =>
  sut.recorder.on(Topics.AgreementsAcceptance).filter((m) => m.key === customerTenantId);

/**
 * "No duplicate" done right: attests a marker after whatever the test did for the pair, waits until the
 * marker's AgreementAttested arrived on the customer's key (so every earlier event of that key, on the
 * same partition, has arrived too), and returns the attestation ids on that key before the marker.
 */
export async function attestationIdsBeforeMarker(
  sut: ServiceUnderTest,
  { partnerId, customerTenantId }: RelatedPair,
): Promise<string[]> {
  const marker = await attest(
    sut,
    partnerId,
    customerTenantId,
    attestationBody({ attestedBy: `marker ${randomUUID()}` }),
  );
  expect(marker.status).toBe(201);
  const events = await eventually(() => {
    const mine = acceptanceEventsFor(sut, customerTenantId);
    expect(mine.map((m) => m.json?.data?.attestationId)).toContain(marker.body.id);
    return mine;
  });
  const ids = events.map((m) => m.json?.data?.attestationId as string);
  return ids.slice(0, ids.indexOf(marker.body.id));
}

/** Where each partition of `topics` ends now: taken before an action, to read all it wrote (recordedSince). */
export async function topicEnds(topics: readonly string[]): Promise<Map<string, bigint>> {
  const admin = testKafka('attestation-harness').admin();
  await admin.connect();
  try {
    const ends = new Map<string, bigint>();
    for (const topic of topics)
      for (const { partition, high } of await admin.fetchTopicOffsets(topic))
        ends.set(`${topic}/${partition}`, BigInt(high));
    return ends;
  } finally {
    await admin.disconnect();
  }
}

/**
 * Everything written to the topics of `since` from then to now, once the recorder has read every
 * partition up to its end as of now: nothing written in between is still on its way.
 */
export async function recordedSince(
  sut: ServiceUnderTest,
  since: Map<string, bigint>,
): Promise<RecordedMessage[]> {
  const now = await topicEnds([...new Set([...since.keys()].map((key) => key.split('/')[0]))]);
  const after = (m: RecordedMessage) => {
    const start = since.get(`${m.topic}/${m.partition}`);
    return start !== undefined && BigInt(m.offset) >= start;
  };
  return eventually(() => {
    for (const [key, end] of now) {
      if (end <= (since.get(key) ?? 0n)) continue;
      const read = sut.recorder.messages.filter((m) => `${m.topic}/${m.partition}` === key && after(m));
      const lastRead = read.reduce((last, m) => (BigInt(m.offset) > last ? BigInt(m.offset) : last), -1n);
      expect({ key, lastRead: String(lastRead) }).toEqual({ key, lastRead: String(end - 1n) });
    }
    return sut.recorder.messages.filter(after);
  });
}
