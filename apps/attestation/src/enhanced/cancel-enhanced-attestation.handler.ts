import { Inject, Injectable } from '@nestjs/common';
import { buildEnvelope, EnhancedAttestationCancelledV1, Topics } from '@app/contracts';
import { runSql, SERVICE_SCHEMA, sql, table } from '@app/messaging';
import { HttpAnswer, IdempotentRequests, requestFingerprint } from '../idempotency/idempotent-requests';
import { effectiveStatus } from './enhanced-attestation-row';
import { EnhancedErrors } from './enhanced-errors';
import { readEnhanced, toEnhancedAttestationDto } from './enhanced-reads';
import { lockEnhanced } from './finalize-enhanced-attestation.handler';

export interface CancelCommand {
  partnerId: string;
  userId: string;
  attestationId: string;
  correlationId: string;
  requestId?: string;
}

/**
 * E-05: cancels a pending attestation of the partner (409 for any other status, 404 for another partner's, E-08)
 * and emits EnhancedAttestationCancelled in the same transaction (E-07); its link then records nothing.
 */
@Injectable()
export class CancelEnhancedAttestationHandler {
  constructor(
    private readonly requests: IdempotentRequests,
    @Inject(SERVICE_SCHEMA) private readonly schema: string,
  ) {}

  async execute(cmd: CancelCommand, now = new Date()): Promise<HttpAnswer> {
    const { partnerId } = cmd;
    const id = cmd.attestationId.toLowerCase();
    const key = {
      partnerId,
      requestId: cmd.requestId,
      fingerprint: requestFingerprint('enhanced-cancel', id),
    };
    const replayed = await this.requests.replay(key);
    if (replayed) return replayed;
    return this.requests.run(key, async (manager) => {
      const row = await lockEnhanced(manager, this.schema, { id, partnerId });
      if (!row) throw EnhancedErrors.notFound();
      const status = effectiveStatus(row, now);
      if (status !== 'Pending') throw EnhancedErrors.notPending(status);
      const cancelledAt = now.toISOString();
      await runSql(
        manager,
        sql`UPDATE ${table(this.schema, 'enhanced_attestations')}
               SET status = 'Cancelled', cancelled_at = ${cancelledAt} WHERE id = ${id}`,
      );
      const data: EnhancedAttestationCancelledV1 = {
        attestationId: id,
        partnerId,
        customerTenantId: row.customer_tenant_id,
        cancelledAt,
      };
      const envelope = buildEnvelope('EnhancedAttestationCancelled', data, {
        producer: 'attestation',
        correlationId: cmd.correlationId,
      });
      const [updated] = await readEnhanced(manager, this.schema, partnerId, { id });
      const events = [{ topic: Topics.AgreementsAcceptance, key: row.customer_tenant_id, envelope }];
      return { status: 200, body: JSON.stringify(toEnhancedAttestationDto(updated, now)), events };
    });
  }
}
