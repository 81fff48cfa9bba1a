import { Inject, Injectable } from '@nestjs/common';
import { randomUUID } from 'crypto';
import { EntityManager } from 'typeorm';
import { AgreementAttestedV1, buildEnvelope, Topics } from '@app/contracts';
import { runSql, sql, table, toOutboxRows } from '@app/messaging';
import { ATTESTATION_SETTINGS, AttestationSettings } from '../config';
import {
  HttpAnswer,
  IdempotentRequests,
  requestFingerprint,
  RequestKey,
  StoredRequest,
} from '../idempotency/idempotent-requests';
import { CURRENT_CHANGED_SQLSTATE } from '../migrations/1764900000000-record-legacy-attestation';
import { AttestationFactsReader } from '../relationships/attestation-facts';
import { AttestAgreementDto, PrimaryContactDto } from './attest-agreement.dto';
import { AttestationErrors, refusalError } from './attestation-errors';
import { LegacyPublication } from './legacy-publication';
import { LegacyWrites } from './legacy-writes';
import { ATTESTATION_COLUMNS, AttestationRow, contactOf, toAttestationResponse } from './attestation-record';
import { AttestationRequest, isExactRepeat, judgeAttestation, mayBeLag } from './attestation-rules';

export interface AttestCommand {
  partnerId: string;
  userId: string;
  customerTenantId: string;
  correlationId: string;
  requestId?: string;
  body: AttestAgreementDto;
}

/** Serialises changes to one (partner, customer, agreement type): at most one is current. */
export async function lockAttestationPair(
  manager: EntityManager,
  partnerId: string,
  customerTenantId: string,
  agreementType: string,
): Promise<void> {
  await manager.query(`SELECT pg_advisory_xact_lock(hashtextextended($1, 0))`, [
    pairLockKey(partnerId, customerTenantId, agreementType),
  ]);
}

/** The advisory lock's key for one (partner, customer, agreement type): the same for every writer. */
export function pairLockKey(partnerId: string, customerTenantId: string, agreementType: string): string {
  return `attestation:${partnerId}:${customerTenantId}:${agreementType}`;
}

/** Reading and writing again after another request changed the pair in between (AT409); rare. */
const MAX_ATTEMPTS = 5;
const RETRIED_STATES = new Set([CURRENT_CHANGED_SQLSTATE, '40P01']);

function sqlStateOf(err: unknown): string | undefined {
  const driverError = (err as { driverError?: { code?: unknown } } | null)?.driverError;
  const code = driverError?.code ?? (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

/** The partner's current attestation of the type for the customer, in `schema`. */
export async function currentAttestation(
  manager: EntityManager,
  schema: string,
  partnerId: string,
  customerTenantId: string,
  agreementType: string,
): Promise<AttestationRow | undefined> {
  const [row]: AttestationRow[] = await runSql(
    manager,
    sql`SELECT ${ATTESTATION_COLUMNS} FROM ${table(schema, 'attestations')}
         WHERE partner_id = ${partnerId} AND customer_tenant_id = ${customerTenantId}
           AND agreement_type = ${agreementType} AND superseded_at IS NULL AND withdrawn_at IS NULL`,
  );
  return row;
}

/**
 * A-01..A-13: judges the attestation against the catalog and the relationship copy (catching up on
 * `partners.relationships` before refusing for lack of a relationship, and answering 503 rather than
 * refusing when it cannot catch up in time, A-17), then records it and
 * its AgreementAttested event in one transaction, superseding the current one, and answers
 * only once the event is on its topic, so the gate can already see what the caller was told (G-11).
 * Two statements (docs/performance.md, "Attestation"): one read, one write (record_legacy_attestation),
 * each shared with the requests that arrive together.
 */
@Injectable()
export class AttestAgreementHandler {
  constructor(
    private readonly facts: AttestationFactsReader,
    private readonly requests: IdempotentRequests,
    private readonly publication: LegacyPublication,
    private readonly writes: LegacyWrites,
    @Inject(ATTESTATION_SETTINGS) private readonly settings: AttestationSettings,
  ) {}

  async execute(cmd: AttestCommand, now = new Date()): Promise<HttpAnswer> {
    const { body, partnerId } = cmd;
    const customerTenantId = cmd.customerTenantId.toLowerCase();
    const templateId = body.templateId.toLowerCase();
    const primaryContact = contactOf(body.primaryContact);
    const dateAgreed = new Date(body.dateAgreed);
    const attestedBy = body.attestedBy ?? null;
    const key = {
      partnerId,
      requestId: cmd.requestId,
      fingerprint: requestFingerprint(
        'attest',
        customerTenantId,
        templateId,
        body.type,
        primaryContact,
        dateAgreed,
        attestedBy,
      ),
    };
    const request: AttestationRequest = {
      type: body.type,
      dateAgreed,
      now,
      requireRelationship: this.settings.requireRelationship,
    };
    for (let attempt = 1; ; attempt++) {
      const reading = await this.facts.readForAttestation(
        templateId,
        partnerId,
        customerTenantId,
        body.type,
        key.requestId,
      );
      if (reading.stored) return this.answerStored(reading.stored, key);

      let refusal = judgeAttestation(request, reading.facts);
      if (mayBeLag(refusal)) {
        const waitMs = this.settings.relationshipCatchUpMs;
        const caughtUp = await this.facts.catchUp(partnerId, customerTenantId, waitMs);
        refusal = judgeAttestation(request, await this.facts.read(templateId, partnerId, customerTenantId));
        // a customer this service has not read yet is not refused; the caller is told to come back.
        if (!caughtUp && mayBeLag(refusal))
          throw AttestationErrors.relationshipFactsPending(Math.max(1, Math.ceil(waitMs / 1000)));
      }
      if (refusal) throw refusalError(refusal);

      try {
        return await this.record(cmd, key, reading.current, {
          customerTenantId,
          templateId,
          primaryContact,
          dateAgreed,
          attestedBy,
        });
      } catch (err) {
        // Another request changed the pair between the reading and the write, or two batches met on a
        // lock (the database chose this write to give way): judge it again.
        if (!RETRIED_STATES.has(sqlStateOf(err) ?? '') || attempt >= MAX_ATTEMPTS) throw err;
      }
    }
  }

  /**
   * One statement, one synchronous commit (record_legacy_attestation): claims the request id, locks the
   * pair, checks that its current attestation is still `current`, then records the attestation and its
   * event (or, for an exact repeat, nothing) and stores the answer. Answers once the event is published.
   */
  private async record(
    cmd: AttestCommand,
    key: RequestKey,
    current: AttestationRow | undefined,
    a: {
      customerTenantId: string;
      templateId: string;
      primaryContact: PrimaryContactDto;
      dateAgreed: Date;
      attestedBy: string | null;
    },
  ): Promise<HttpAnswer> {
    const { body, partnerId } = cmd;
    const { customerTenantId, templateId, primaryContact, dateAgreed, attestedBy } = a;
    const repeated =
      current &&
      isExactRepeat(
        {
          templateId: current.template_id,
          dateAgreed: current.date_agreed,
          primaryContact: current.primary_contact,
        },
        { templateId, dateAgreed, primaryContact },
      );
    const repeatBody = current && repeated ? JSON.stringify(toAttestationResponse(current)) : null;

    const id = randomUUID();
    const data: AgreementAttestedV1 = {
      attestationId: id,
      partnerId,
      customerTenantId,
      agreementType: body.type,
      templateId,
      dateAgreed: dateAgreed.toISOString(),
      userId: cmd.userId,
      ...(attestedBy !== null ? { attestedBy } : {}),
      primaryContact,
      channel: 'Api',
      attestationSource: 'Legacy',
    };
    const envelope = buildEnvelope('AgreementAttested', data, {
      producer: 'attestation',
      correlationId: cmd.correlationId,
    });
    const [row] = toOutboxRows([{ topic: Topics.AgreementsAcceptance, key: customerTenantId, envelope }]);
    const response = {
      id,
      userId: cmd.userId,
      ...(attestedBy !== null ? { attestedBy } : {}),
      primaryContact,
      templateId,
      dateAgreed: data.dateAgreed,
      type: body.type,
    };
    const outcome = await this.writes.write({
      partnerId,
      requestId: key.requestId ?? null,
      fingerprint: key.fingerprint,
      lockKey: pairLockKey(partnerId, customerTenantId, body.type),
      customerTenantId,
      agreementType: body.type,
      seenCurrent: current?.id ?? null,
      repeatBody,
      id,
      templateId,
      dateAgreed: data.dateAgreed,
      userId: cmd.userId,
      attestedBy,
      primaryContact,
      channel: data.channel,
      body: JSON.stringify(response),
      eventId: row.id,
      topic: row.topic,
      key: row.key,
      eventType: row.eventType,
      payload: row.payload,
      headers: row.headers,
    });
    if (outcome.outcome === 'stored') return this.answerStored(outcome, key);
    if (outcome.outcome === 'recorded') {
      row.leased = outcome.leased;
      const seq = outcome.seq === null ? null : BigInt(outcome.seq);
      if (!(await this.publication.published(row, seq))) throw AttestationErrors.publicationPending();
    }
    return { status: outcome.status, body: outcome.body };
  }

  /** the stored answer; events this instance sent lately need no look in the outbox. */
  private answerStored(stored: StoredRequest, key: RequestKey): Promise<HttpAnswer> {
    const sent = this.publication.sentLately(stored.event_ids);
    return this.requests.answerStored(
      { ...stored, event_ids: stored.event_ids.filter((id) => !sent.has(id)) },
      key,
    );
  }
}
