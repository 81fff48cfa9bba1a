import { Injectable } from '@nestjs/common';
import { OutboxTransaction, outboxEvent } from '../outbox-transaction';
import { RelationshipErrors } from '../relationship-errors';
import { RelationshipTerminationDto } from './customers.dto';

export const DEFAULT_TERMINATION_REASON = 'TerminatedByPartner';

interface RelationshipRow {
  status: 'Active' | 'Terminated';
  terminated_at: Date | null;
  termination_reason: string | null;
}

/**
 * D-08: the calling partner ends its own relationship with a customer. Terminating an ended
 * relationship again answers the first termination and publishes nothing.
 */
@Injectable()
export class TerminateRelationshipHandler {
  constructor(private readonly outbox: OutboxTransaction) {}

  execute(
    partnerId: string,
    customerTenantId: string,
    reason: string | undefined,
    correlationId: string,
  ): Promise<RelationshipTerminationDto> {
    return this.outbox.run(async (manager) => {
      const [row]: RelationshipRow[] = await manager.query(
        `SELECT status, terminated_at, termination_reason FROM reseller_relationship.relationships
         WHERE partner_id = $1 AND customer_tenant_id = $2 FOR UPDATE`,
        [partnerId, customerTenantId],
      );
      if (!row) throw RelationshipErrors.noActiveRelationship();
      if (row.status === 'Terminated') {
        const result = {
          partnerId,
          customerTenantId,
          terminatedAt: row.terminated_at!.toISOString(),
          reason: row.termination_reason!,
        };
        return { result, events: [] };
      }
      const data = {
        partnerId,
        customerTenantId,
        terminatedAt: new Date().toISOString(),
        reason: reason ?? DEFAULT_TERMINATION_REASON,
      };
      await manager.query(
        `UPDATE reseller_relationship.relationships
         SET status = 'Terminated', terminated_at = $3, termination_reason = $4
         WHERE partner_id = $1 AND customer_tenant_id = $2`,
        [partnerId, customerTenantId, data.terminatedAt, data.reason],
      );
      return {
        result: data,
        events: [outboxEvent('ResellerRelationshipTerminated', data, customerTenantId, correlationId)],
      };
    });
  }
}
