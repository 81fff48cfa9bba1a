import { Injectable } from '@nestjs/common';
import { randomUUID } from 'crypto';
import { DataSource } from 'typeorm';
import { AgreementAttestedV1, buildEnvelope, Topics } from '@app/contracts';
import { Messaging } from '@app/messaging';
import { AttestAgreementDto, AttestationResponseDto } from './attest-agreement.dto';
import { AttestationErrors } from './attestation-errors';

/** a small allowance for the caller's clock. */
const CLOCK_SKEW_MS = 5 * 60 * 1000;

export interface AttestCommand {
  partnerId: string;
  userId: string;
  customerTenantId: string;
  correlationId: string;
  body: AttestAgreementDto;
}

/**
 * Stores an attestation and its AgreementAttested event in one transaction, then answers only
 * once the event is on its topic, so the gate can already see what the caller was told (G-11).
 */
@Injectable()
export class AttestAgreementHandler {
  constructor(
    private readonly dataSource: DataSource,
    private readonly messaging: Messaging,
  ) {}

  async execute(cmd: AttestCommand, now = new Date()): Promise<AttestationResponseDto> {
    const { body } = cmd;
    if (Date.parse(body.dateAgreed) > now.getTime() + CLOCK_SKEW_MS)
      throw AttestationErrors.dateAgreedInFuture();

    const [template]: Array<{ agreement_type: string; retired_from: Date | null }> =
      await this.dataSource.query(
        `SELECT agreement_type, retired_from FROM attestation.templates WHERE template_id = $1`,
        [body.templateId],
      );
    if (!template) throw AttestationErrors.templateNotFound();
    if (template.agreement_type !== body.type)
      throw AttestationErrors.templateTypeMismatch(template.agreement_type);
    if (template.retired_from && template.retired_from.getTime() <= now.getTime())
      throw AttestationErrors.templateRetired();

    const customerTenantId = cmd.customerTenantId.toLowerCase();
    const id = randomUUID();
    const dateAgreed = new Date(body.dateAgreed).toISOString();
    const data: AgreementAttestedV1 = {
      attestationId: id,
      partnerId: cmd.partnerId,
      customerTenantId,
      agreementType: body.type,
      templateId: body.templateId.toLowerCase(),
      dateAgreed,
      userId: cmd.userId,
      ...(body.attestedBy ? { attestedBy: body.attestedBy } : {}),
      primaryContact: body.primaryContact,
      channel: 'Api',
    };
    const envelope = buildEnvelope('AgreementAttested', data, {
      producer: 'attestation',
      correlationId: cmd.correlationId,
    });

    const eventIds = await this.dataSource.transaction(async (manager) => {
      await manager.query(
        `INSERT INTO attestation.attestations (id, partner_id, customer_tenant_id, agreement_type, template_id,
            date_agreed, user_id, attested_by, primary_contact, channel, event_id)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9::jsonb, $10, $11)`,
        [
          id,
          cmd.partnerId,
          customerTenantId,
          body.type,
          data.templateId,
          dateAgreed,
          cmd.userId,
          body.attestedBy ?? null,
          JSON.stringify(body.primaryContact),
          data.channel,
          envelope.eventId,
        ],
      );
      return this.messaging.enqueue(manager, [
        { topic: Topics.AgreementsAcceptance, key: customerTenantId, envelope },
      ]);
    });
    if (!(await this.messaging.flush(eventIds))) throw AttestationErrors.publicationPending();

    return {
      id,
      userId: cmd.userId,
      ...(body.attestedBy ? { attestedBy: body.attestedBy } : {}),
      primaryContact: body.primaryContact,
      templateId: data.templateId,
      dateAgreed,
      type: body.type,
    };
  }
}
