import { createHash, randomUUID } from 'crypto';
import { buildEnvelope, EVENT_TOPIC, EventEnvelope, EventType, TOPIC_WRITERS } from '@app/contracts';
import { InboundMessage, runSql, Sql, sql, table } from '@app/messaging';
import { eventually, givenRunningService, operatorBearer, ServiceUnderTest } from '@app/testing';
import { AuditModule } from './audit.module';
import { AUDIT_SCHEMA } from './audit-schema';
import { appendToLog } from './log/chained-log';

/**
 * What the audit's capability specs share: the events they publish, the running service with the
 * checks they make on it, and an independent reading of the chain's format.
 */

export const MCA_TEMPLATE = '117a77b0-9360-443b-8795-c6dedc750cf9';

/** The audit's tables, for the checks an API does not expose. */
export const EVENTS = table(AUDIT_SCHEMA, 'events');
export const CHAIN_HEAD = table(AUDIT_SCHEMA, 'chain_head');

const now = () => new Date().toISOString();
const envelope = <D extends object>(type: EventType, data: D, occurredAt?: Date) =>
  buildEnvelope(type, data, { producer: TOPIC_WRITERS[EVENT_TOPIC[type]][0], occurredAt });

/** One valid event of each kind the specs need, from the producer that writes its topic. */
export const events = {
  attested: (partnerId: string, customerTenantId: string) =>
    envelope('AgreementAttested', {
      attestationId: randomUUID(),
      partnerId,
      customerTenantId,
      agreementType: 'MicrosoftCustomerAgreement',
      templateId: MCA_TEMPLATE,
      dateAgreed: now(),
      userId: randomUUID(),
      primaryContact: { firstName: 'Adele', lastName: 'Vance', email: 'adele@fabrikam.example' },
      channel: 'Api',
    }),
  /** E-07: an enhanced attestation's start, acceptance and finalization, as the attestation service emits them. */
  enhancedLife: (partnerId: string, customerTenantId: string) => {
    const attestationId = randomUUID();
    const ids = { attestationId, partnerId, customerTenantId };
    const started = envelope('EnhancedAttestationStarted', {
      ...ids,
      templateId: MCA_TEMPLATE,
      country: 'JP',
      language: 'ja-JP',
      expiresAt: new Date(Date.now() + 86_400_000).toISOString(),
      acceptanceUrl: `http://127.0.0.1:3001/acceptance/${randomUUID()}`,
      userId: randomUUID(),
      autoFinalize: false,
    });
    const accepted = envelope('EnhancedAttestationAccepted', {
      ...ids,
      acceptedAt: now(),
      evidenceHash: createHash('sha256').update(attestationId).digest('hex'),
      evidence: {
        templateId: MCA_TEMPLATE,
        agreementLink: 'https://www.microsoft.com/licensing/docs/customeragreement',
        language: 'ja-JP',
        country: 'JP',
        shownTextHash: createHash('sha256').update('shown').digest('hex'),
      },
    });
    const finalized = envelope('AgreementAttested', {
      ...(events.attested(partnerId, customerTenantId).data as object),
      attestationSource: 'Enhanced',
      enhancedAttestationId: attestationId,
    });
    return { attestationId, started, accepted, finalized };
  },
  customerAccepted: (customerTenantId: string, viaPartnerId?: string) =>
    envelope('CustomerAgreementAccepted', {
      customerTenantId,
      agreementType: 'MicrosoftCustomerAgreement',
      templateId: MCA_TEMPLATE,
      dateAgreed: now(),
      signer: { firstName: 'Alex', lastName: 'Wilber', email: 'alex@fabrikam.example' },
      ...(viaPartnerId ? { viaPartnerId } : {}),
    }),
  relationshipAccepted: (partnerId: string, customerTenantId: string) =>
    envelope('ResellerRelationshipAccepted', {
      invitationId: randomUUID(),
      partnerId,
      customerTenantId,
      acceptedAt: now(),
      cloud: 'Public',
      country: 'US',
    }),
  tenantCreated: (partnerId: string, customerTenantId: string) =>
    envelope('CustomerTenantCreated', {
      customerTenantId,
      partnerId,
      companyName: 'Fabrikam',
      cloud: 'Public',
      country: 'US',
    }),
  partnerRegistered: (partnerId: string) =>
    envelope('PartnerRegistered', { partnerId, partnerType: 'DirectBill', cloud: 'Public', name: 'Contoso' }),
  templatePublished: () =>
    envelope('AgreementTemplatePublished', {
      templateId: randomUUID(),
      agreementType: 'MicrosoftCustomerAgreement',
      versionRank: 9,
      agreementLink: 'https://aka.ms/customeragreement',
      publishedAt: now(),
    }),
  orderRequested: (partnerId: string, customerTenantId: string, orderId: string, occurredAt?: Date) =>
    envelope(
      'OrderRequested',
      {
        orderId,
        partnerId,
        customerTenantId,
        kind: 'NewPurchase',
        channel: 'Api',
        requestedAt: now(),
        lineItems: [{ offerId: 'CFQ7TTC0LH18:0001', quantity: 5 }],
      },
      occurredAt,
    ),
  decided: (
    partnerId: string,
    customerTenantId: string,
    orderId: string,
    acceptance: EventEnvelope<any> | null,
  ) =>
    envelope(acceptance ? 'OrderApproved' : 'OrderBlocked', {
      orderId,
      partnerId,
      customerTenantId,
      kind: 'NewPurchase',
      requestedAt: now(),
      decidedAt: now(),
      reason: acceptance ? 'AcceptanceConfirmed' : 'AcceptanceMissing',
      message: acceptance ? 'Approved.' : 'Blocked: attest the Microsoft Customer Agreement.',
      evidence: {
        acceptanceSource: acceptance ? 'PartnerAttestation' : null,
        agreementType: acceptance ? 'MicrosoftCustomerAgreement' : null,
        templateId: acceptance ? MCA_TEMPLATE : null,
        dateAgreed: acceptance ? acceptance.data.dateAgreed : null,
        acceptanceEventId: acceptance ? acceptance.eventId : null,
      },
      policyVersion: 'csp-acceptance-2023-04',
    }),
};

/** The topic an event is published on. */
export const topicOf = (e: EventEnvelope<any>): string => EVENT_TOPIC[e.eventType as EventType];

/** The Kafka key the specs publish an event under: its customer, so a customer's events share a partition. */
export const keyOf = (e: EventEnvelope<any>): string =>
  (e.data as { customerTenantId?: string }).customerTenantId ?? randomUUID();

/** A message as the consumer hands it to the log, for appending without the broker. */
export function inboundMessage(
  fields: Partial<Omit<InboundMessage, 'value'>> & { value: Buffer | string },
): InboundMessage {
  return {
    topic: fields.topic ?? EVENT_TOPIC.AgreementAttested,
    partition: fields.partition ?? 0,
    offset: fields.offset ?? '0',
    key: fields.key ?? null,
    value: Buffer.isBuffer(fields.value) ? fields.value : Buffer.from(fields.value),
    headers: fields.headers ?? {},
    timestamp: fields.timestamp ?? String(Date.now()),
  };
}

/** The audit service of one spec file, with a fresh database, a producer and a `pg` client. */
export function givenRunningAudit(label: string, schema = AUDIT_SCHEMA): ServiceUnderTest {
  return givenRunningService({
    service: 'audit',
    module: (c) => AuditModule.forRoot(c, process.env, schema),
    label,
  });
}

/** What the audit specs do with the running service, whose tables are in `schema`. */
export function auditHarness(sut: ServiceUnderTest, schema = AUDIT_SCHEMA) {
  let auditorToken: Promise<string> | undefined;
  const eventsTable = table(schema, 'events');

  /** Rows of a statement run on the service's database as its owner (who bypasses no trigger). */
  const rows = async <T = any>(statement: Sql): Promise<T[]> =>
    (await runSql<{ rows: T[] }>(sut.pg, statement)).rows;

  const storedCount = async (eventIds: string[]): Promise<number> => {
    const [row] = await rows<{ n: number }>(
      sql`SELECT count(*)::int AS n FROM ${eventsTable} WHERE event_id = ANY(${eventIds})`,
    );
    return row.n;
  };

  const waitStored = (eventIds: string[], expected = eventIds.length): Promise<void> =>
    eventually(async () => expect(await storedCount(eventIds)).toBe(expected), { timeoutMs: 30000 });

  const auditor = (): Promise<string> => (auditorToken ??= operatorBearer(['Auditor']));

  return {
    rows,
    storedCount,
    waitStored,
    auditor,

    /** Publishes each event on its topic, keyed by its customer, one after the other. */
    async publish(...envelopes: EventEnvelope<any>[]): Promise<void> {
      for (const e of envelopes) {
        await sut.producer.send({
          topic: topicOf(e),
          messages: [{ key: keyOf(e), value: JSON.stringify(e) }],
        });
      }
    },

    /** GET as `token`, the auditor's by default. */
    async get(path: string, query: Record<string, unknown> = {}, token?: string) {
      return sut
        .http()
        .get(path)
        .query(query)
        .set('Authorization', token ?? (await auditor()));
    },

    /** Appends messages to the log as the consumer does, in one transaction; returns how many were added. */
    append(messages: InboundMessage[]): Promise<number> {
      return sut.dataSource().transaction((m) => appendToLog(m, schema, messages));
    },

    /**
     * A partner registered as reseller-relationship registers one (S-03: only registered partners
     * read their events), once the log holds the registration. Returns its id and the event's id.
     */
    async registeredPartner(): Promise<{ partnerId: string; registrationEventId: string }> {
      const partnerId = randomUUID();
      const registration = buildEnvelope(
        'PartnerRegistered',
        { partnerId, partnerType: 'DirectBill', cloud: 'Public', name: 'Contoso' },
        { producer: 'reseller-relationship' },
      );
      await sut.producer.send({
        topic: topicOf(registration),
        messages: [{ key: partnerId, value: JSON.stringify(registration) }],
      });
      await waitStored([registration.eventId]);
      return { partnerId, registrationEventId: registration.eventId };
    },
  };
}

export type AuditHarness = ReturnType<typeof auditHarness>;

/** A cursor that continues after `sequence` (the API's cursor format, v1). */
export function cursorAfter(sequence: number): string {
  return Buffer.from(`v1:${sequence}`).toString('base64url');
}

/**
 * The chain as an auditor recomputes it from an item of the API or a line of the NDJSON export,
 * written from the format documented in audit-chain.ts and sharing no code with it:
 * sha256(previous hash || "<sequence>\n" || JSON array of the fields), objects with sorted keys.
 */
export function recomputedHash(previousHex: string, item: Record<string, any>): string {
  const sortedKeys = (value: unknown): unknown =>
    Array.isArray(value)
      ? value.map(sortedKeys)
      : value !== null && typeof value === 'object'
        ? Object.fromEntries(
            Object.keys(value)
              .sort()
              .map((k) => [k, sortedKeys((value as Record<string, unknown>)[k])]),
          )
        : value;
  const fields = [
    item.eventId,
    item.eventType,
    item.topic,
    item.partition,
    item.offset,
    item.kafkaTimestamp,
    item.key,
    sortedKeys(item.headers),
    item.partnerId,
    item.customerTenantId,
    item.orderId,
    item.occurredAt,
    item.receivedAt,
    sortedKeys(item.envelope),
    item.raw,
    item.invalidReason,
  ];
  return createHash('sha256')
    .update(Buffer.from(previousHex, 'hex'))
    .update(`${item.sequence}\n${JSON.stringify(fields)}`)
    .digest('hex');
}

/** RFC 4180, enough for the export: quoted fields with doubled quotes and line breaks. */
export function parseCsv(text: string): string[][] {
  const parsed: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted && c === '"' && text[i + 1] === '"') {
      field += '"';
      i++;
    } else if (c === '"') {
      quoted = !quoted;
    } else if (!quoted && c === ',') {
      row.push(field);
      field = '';
    } else if (!quoted && c === '\r' && text[i + 1] === '\n') {
      row.push(field);
      parsed.push(row);
      row = [];
      field = '';
      i++;
    } else {
      field += c;
    }
  }
  return parsed;
}
