import { randomUUID } from 'crypto';
import { EntityManager } from 'typeorm';
import { AgreementAttestedV1, AgreementType, buildEnvelope, Topics } from '@app/contracts';
import { OutboxMessage, runSql, sql, table } from '@app/messaging';
import { AttestationResponseDto } from '../attest/attest-agreement.dto';
import { currentAttestation, lockAttestationPair } from '../attest/attest-agreement.handler';
import { ATTESTATION_COLUMNS, AttestationRow, toAttestationResponse } from '../attest/attestation-record';
import { EnhancedAttestationRow } from './enhanced-attestation-row';

/** E-04: the agreement a finalized enhanced attestation made, as the create-agreement call answers it. */
export interface EnhancedAgreementDto extends AttestationResponseDto {
  attestationSource: 'Enhanced';
  enhancedAttestationId: string;
  /** The evidence reference (E-03, E-04): the SHA-256 of the acceptance's evidence record. */
  evidenceHash: string;
}

async function enhancedAgreementOf(
  manager: EntityManager,
  schema: string,
  row: AttestationRow,
  enhancedAttestationId: string,
): Promise<EnhancedAgreementDto> {
  const [evidence]: Array<{ evidence_hash: string }> = await runSql(
    manager,
    sql`SELECT evidence_hash FROM ${table(schema, 'enhanced_attestation_evidence')}
         WHERE attestation_id = ${enhancedAttestationId}`,
  );
  return {
    ...toAttestationResponse(row),
    attestationSource: 'Enhanced',
    enhancedAttestationId,
    evidenceHash: evidence.evidence_hash,
  };
}

/** The agreement an enhanced attestation already made (finalizing again answers it, E-04). */
export async function agreementMadeBy(
  manager: EntityManager,
  schema: string,
  enhanced: Pick<EnhancedAttestationRow, 'id' | 'partner_attestation_id'>,
): Promise<EnhancedAgreementDto> {
  const [row]: AttestationRow[] = await runSql(
    manager,
    sql`SELECT ${ATTESTATION_COLUMNS} FROM ${table(schema, 'attestations')} WHERE id = ${enhanced.partner_attestation_id}`,
  );
  return enhancedAgreementOf(manager, schema, row, enhanced.id);
}

/**
 * E-04: makes the partner attestation (A-01's record and AgreementAttested) of an accepted enhanced attestation,
 * locked FOR UPDATE by the caller: contact = the signatory it was opened for, dateAgreed = its acceptance,
 * attestationSource Enhanced; supersedes the partner's current Customer Agreement attestation (A-08) and marks
 * the enhanced attestation Finalized, all in the caller's transaction.
 */
export async function makeAgreement(
  manager: EntityManager,
  schema: string,
  enhanced: EnhancedAttestationRow,
  by: { userId: string; correlationId: string; now: Date },
): Promise<{ agreement: EnhancedAgreementDto; events: OutboxMessage[] }> {
  const type: AgreementType = 'MicrosoftCustomerAgreement';
  const partnerId = enhanced.partner_id;
  const customerTenantId = enhanced.customer_tenant_id;
  await lockAttestationPair(manager, partnerId, customerTenantId, type);
  const current = await currentAttestation(manager, schema, partnerId, customerTenantId, type);
  const id = randomUUID();
  const primaryContact = {
    firstName: enhanced.signatory_first_name,
    lastName: enhanced.signatory_last_name,
    email: enhanced.signatory_email,
    ...(enhanced.signatory_phone_number !== null ? { phoneNumber: enhanced.signatory_phone_number } : {}),
  };
  const data: AgreementAttestedV1 = {
    attestationId: id,
    partnerId,
    customerTenantId,
    agreementType: type,
    templateId: enhanced.template_id,
    dateAgreed: enhanced.accepted_at!.toISOString(),
    userId: by.userId,
    primaryContact,
    channel: 'Api',
    attestationSource: 'Enhanced',
    enhancedAttestationId: enhanced.id,
  };
  const envelope = buildEnvelope('AgreementAttested', data, {
    producer: 'attestation',
    correlationId: by.correlationId,
  });
  const attestations = table(schema, 'attestations');
  if (current) {
    await runSql(
      manager,
      sql`UPDATE ${attestations} SET superseded_at = now(), superseded_by = ${id} WHERE id = ${current.id}`,
    );
  }
  const [row]: AttestationRow[] = await runSql(
    manager,
    sql`INSERT INTO ${attestations} (id, partner_id, customer_tenant_id, agreement_type, template_id, date_agreed,
           user_id, attested_by, primary_contact, channel, event_id, attestation_source, enhanced_attestation_id)
        VALUES (${id}, ${partnerId}, ${customerTenantId}, ${type}, ${enhanced.template_id}, ${data.dateAgreed},
           ${by.userId}, NULL, ${JSON.stringify(primaryContact)}::jsonb, ${data.channel}, ${envelope.eventId},
           'Enhanced', ${enhanced.id})
        RETURNING ${ATTESTATION_COLUMNS}`,
  );
  await runSql(
    manager,
    sql`UPDATE ${table(schema, 'enhanced_attestations')}
           SET status = 'Finalized', finalized_at = ${by.now.toISOString()}, partner_attestation_id = ${id}
         WHERE id = ${enhanced.id}`,
  );
  return {
    agreement: await enhancedAgreementOf(manager, schema, row, enhanced.id),
    events: [{ topic: Topics.AgreementsAcceptance, key: customerTenantId, envelope }],
  };
}
