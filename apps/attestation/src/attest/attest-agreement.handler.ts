import { Inject, Injectable } from '@nestjs/common';
import { randomUUID } from 'crypto';
import { EntityManager } from 'typeorm';
import { AgreementAttestedV1, buildEnvelope, Topics } from '@app/contracts';
import { runSql, sql, table, SERVICE_SCHEMA } from '@app/messaging';
import { ATTESTATION_SETTINGS, AttestationSettings } from '../config';
import { HttpAnswer, IdempotentRequests, requestFingerprint } from '../idempotency/idempotent-requests';
import { AttestationFactsReader } from '../relationships/attestation-facts';
import { AttestAgreementDto } from './attest-agreement.dto';
import { AttestationErrors, refusalError } from './attestation-errors';
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
    `attestation:${partnerId}:${customerTenantId}:${agreementType}`,
  ]);
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
 */
@Injectable()
export class AttestAgreementHandler {
  constructor(
    private readonly facts: AttestationFactsReader,
    private readonly requests: IdempotentRequests,
    @Inject(ATTESTATION_SETTINGS) private readonly settings: AttestationSettings,
    @Inject(SERVICE_SCHEMA) private readonly schema: string,
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
    const replayed = await this.requests.replay(key);
    if (replayed) return replayed;

    const request: AttestationRequest = {
      type: body.type,
      dateAgreed,
      now,
      requireRelationship: this.settings.requireRelationship,
    };
    let refusal = judgeAttestation(request, await this.facts.read(templateId, partnerId, customerTenantId));
    if (mayBeLag(refusal)) {
      const waitMs = this.settings.relationshipCatchUpMs;
      const caughtUp = await this.facts.catchUp(partnerId, customerTenantId, waitMs);
      refusal = judgeAttestation(request, await this.facts.read(templateId, partnerId, customerTenantId));
      // a customer this service has not read yet is not refused; the caller is told to come back.
      if (!caughtUp && mayBeLag(refusal))
        throw AttestationErrors.relationshipFactsPending(Math.max(1, Math.ceil(waitMs / 1000)));
    }
    if (refusal) throw refusalError(refusal);

    return this.requests.run(key, async (manager) => {
      await lockAttestationPair(manager, partnerId, customerTenantId, body.type);
      const current = await currentAttestation(manager, this.schema, partnerId, customerTenantId, body.type);
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
      if (current && repeated) {
        return { status: 200, body: JSON.stringify(toAttestationResponse(current)), events: [] };
      }

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
      const attestations = table(this.schema, 'attestations');
      if (current) {
        await runSql(
          manager,
          sql`UPDATE ${attestations} SET superseded_at = now(), superseded_by = ${id} WHERE id = ${current.id}`,
        );
      }
      await runSql(
        manager,
        sql`INSERT INTO ${attestations} (id, partner_id, customer_tenant_id, agreement_type, template_id,
               date_agreed, user_id, attested_by, primary_contact, channel, event_id)
            VALUES (${id}, ${partnerId}, ${customerTenantId}, ${body.type}, ${templateId},
               ${data.dateAgreed}, ${cmd.userId}, ${attestedBy}, ${JSON.stringify(primaryContact)}::jsonb,
               ${data.channel}, ${envelope.eventId})`,
      );
      const events = [{ topic: Topics.AgreementsAcceptance, key: customerTenantId, envelope }];
      const response = {
        id,
        userId: cmd.userId,
        ...(attestedBy !== null ? { attestedBy } : {}),
        primaryContact,
        templateId,
        dateAgreed: data.dateAgreed,
        type: body.type,
      };
      return { status: 201, body: JSON.stringify(response), events };
    });
  }
}
