import { Inject, Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { runSql, SERVICE_SCHEMA, sql, table } from '@app/messaging';
import { AttestationErrors } from '../attest/attestation-errors';
import { ATTESTATION_SETTINGS, AttestationSettings } from '../config';
import { HttpAnswer, IdempotentRequests, requestFingerprint } from '../idempotency/idempotent-requests';
import { AttestationFactsReader } from '../relationships/attestation-facts';
import { FinalizeEnhancedAttestationDto } from './enhanced-attestation.dto';
import { effectiveStatus, ENHANCED_COLUMNS, EnhancedAttestationRow } from './enhanced-attestation-row';
import { EnhancedErrors } from './enhanced-errors';
import { assertMayAttest } from './enhanced-judgement';
import { agreementMadeBy, makeAgreement } from './make-agreement';

export interface FinalizeCommand {
  partnerId: string;
  userId: string;
  customerTenantId: string;
  correlationId: string;
  requestId?: string;
  body: FinalizeEnhancedAttestationDto;
}

/** One enhanced attestation of the partner for the customer, locked FOR UPDATE; undefined for any other (E-08). */
export async function lockEnhanced(
  manager: EntityManager | DataSource,
  schema: string,
  where: { id: string; partnerId: string; customerTenantId?: string },
  lock = true,
): Promise<EnhancedAttestationRow | undefined> {
  const [row]: EnhancedAttestationRow[] = await runSql(
    manager,
    sql`SELECT ${ENHANCED_COLUMNS} FROM ${table(schema, 'enhanced_attestations')} e
          JOIN ${table(schema, 'templates')} t ON t.template_id = e.template_id
         WHERE e.id = ${where.id} AND e.partner_id = ${where.partnerId}
           AND (${where.customerTenantId ?? null}::uuid IS NULL OR e.customer_tenant_id = ${where.customerTenantId ?? null}::uuid)
         ${lock ? sql`FOR UPDATE OF e` : sql``}`,
  );
  return row;
}

/**
 * E-04: POST /v1/customers/{customerTenantId}/agreements with an attestationId. Makes the partner attestation
 * from an accepted enhanced attestation (201). Finalizing one already finalized answers the agreement it made
 * (200) and records nothing: finalizing is idempotent. 409 while pending, 410 once expired or cancelled, 404 for
 * an unknown id or another partner's or customer's (E-08). The partner must still be allowed to attest for the
 * customer (A-06, A-07, A-17), as at start.
 */
@Injectable()
export class FinalizeEnhancedAttestationHandler {
  constructor(
    private readonly dataSource: DataSource,
    private readonly facts: AttestationFactsReader,
    private readonly requests: IdempotentRequests,
    @Inject(ATTESTATION_SETTINGS) private readonly settings: AttestationSettings,
    @Inject(SERVICE_SCHEMA) private readonly schema: string,
  ) {}

  async execute(cmd: FinalizeCommand, now = new Date()): Promise<HttpAnswer> {
    const { body, partnerId } = cmd;
    const customerTenantId = cmd.customerTenantId.toLowerCase();
    const attestationId = body.attestationId.toLowerCase();
    const templateId = body.templateId.toLowerCase();
    const key = {
      partnerId,
      requestId: cmd.requestId,
      fingerprint: requestFingerprint(
        'enhanced-finalize',
        customerTenantId,
        attestationId,
        templateId,
        body.type,
      ),
    };
    const replayed = await this.requests.replay(key);
    if (replayed) return replayed;

    const where = { id: attestationId, partnerId, customerTenantId };
    const seen = await lockEnhanced(this.dataSource, this.schema, where, false);
    if (!seen) throw EnhancedErrors.notFound();
    if (seen.template_id !== templateId) throw EnhancedErrors.templateMismatch();
    if (body.type !== 'MicrosoftCustomerAgreement')
      throw AttestationErrors.templateTypeMismatch('MicrosoftCustomerAgreement');
    await assertMayAttest(this.facts, this.settings, {
      templateId,
      type: body.type,
      partnerId,
      customerTenantId,
      now,
    });

    return this.requests.run(key, async (manager) => {
      const row = await lockEnhanced(manager, this.schema, where);
      if (!row) throw EnhancedErrors.notFound();
      switch (effectiveStatus(row, now)) {
        case 'Pending':
          throw EnhancedErrors.notAccepted();
        case 'Expired':
          throw EnhancedErrors.expired();
        case 'Cancelled':
          throw EnhancedErrors.cancelled();
        case 'Finalized': {
          const agreement = await agreementMadeBy(manager, this.schema, row);
          return { status: 200, body: JSON.stringify(agreement), events: [] };
        }
        case 'Accepted': {
          const { agreement, events } = await makeAgreement(manager, this.schema, row, {
            userId: cmd.userId,
            correlationId: cmd.correlationId,
            now,
          });
          return { status: 201, body: JSON.stringify(agreement), events };
        }
      }
    });
  }
}
