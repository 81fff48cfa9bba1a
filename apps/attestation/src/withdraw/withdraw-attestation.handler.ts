import { Inject, Injectable } from '@nestjs/common';
import { AgreementAttestationWithdrawnV1, buildEnvelope, Topics } from '@app/contracts';
import { runSql, SERVICE_SCHEMA, sql, table } from '@app/messaging';
import { WithdrawAttestationDto, WithdrawalResponseDto } from '../attest/attest-agreement.dto';
import { currentAttestation, lockAttestationPair } from '../attest/attest-agreement.handler';
import { AttestationErrors } from '../attest/attestation-errors';
import { HttpAnswer, IdempotentRequests, requestFingerprint } from '../idempotency/idempotent-requests';

export interface WithdrawCommand {
  partnerId: string;
  userId: string;
  customerTenantId: string;
  correlationId: string;
  requestId?: string;
  body: WithdrawAttestationDto;
}

/**
 * the customer no longer agrees. The partner's current attestation of the type is marked
 * withdrawn (it stays in history) and AgreementAttestationWithdrawn is published, after which the
 * gate blocks the partner's orders for the customer. Always allowed, even once the relationship ended.
 */
@Injectable()
export class WithdrawAttestationHandler {
  constructor(
    private readonly requests: IdempotentRequests,
    @Inject(SERVICE_SCHEMA) private readonly schema: string,
  ) {}

  async execute(cmd: WithdrawCommand): Promise<HttpAnswer> {
    const { partnerId, body } = cmd;
    const customerTenantId = cmd.customerTenantId.toLowerCase();
    const key = {
      partnerId,
      requestId: cmd.requestId,
      fingerprint: requestFingerprint('withdraw', customerTenantId, body.type, body.reason),
    };
    const replayed = await this.requests.replay(key);
    if (replayed) return replayed;

    return this.requests.run(key, async (manager) => {
      await lockAttestationPair(manager, partnerId, customerTenantId, body.type);
      const current = await currentAttestation(manager, this.schema, partnerId, customerTenantId, body.type);
      if (!current) throw AttestationErrors.nothingToWithdraw();

      const withdrawnAt = new Date().toISOString();
      const data: AgreementAttestationWithdrawnV1 = {
        attestationId: current.id,
        partnerId,
        customerTenantId,
        agreementType: body.type,
        withdrawnAt,
        reason: body.reason,
        userId: cmd.userId,
      };
      const envelope = buildEnvelope('AgreementAttestationWithdrawn', data, {
        producer: 'attestation',
        correlationId: cmd.correlationId,
      });
      await runSql(
        manager,
        sql`UPDATE ${table(this.schema, 'attestations')}
               SET withdrawn_at = ${withdrawnAt}, withdrawal_reason = ${body.reason},
                   withdrawn_by = ${cmd.userId}, withdrawal_event_id = ${envelope.eventId}
             WHERE id = ${current.id}`,
      );
      const events = [{ topic: Topics.AgreementsAcceptance, key: customerTenantId, envelope }];
      const response: WithdrawalResponseDto = {
        attestationId: current.id,
        customerTenantId,
        type: body.type,
        reason: body.reason,
        withdrawnAt,
        userId: cmd.userId,
      };
      return { status: 201, body: JSON.stringify(response), events };
    });
  }
}
