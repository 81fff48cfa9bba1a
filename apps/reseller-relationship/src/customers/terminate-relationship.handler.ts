import { Inject, Injectable } from '@nestjs/common';
import { runSql, SERVICE_SCHEMA, sql, table } from '@app/messaging';
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
  constructor(
    private readonly outbox: OutboxTransaction,
    @Inject(SERVICE_SCHEMA) private readonly schema: string,
  ) {}

  execute(
    partnerId: string,
    customerTenantId: string,
    reason: string | undefined,
    correlationId: string,
  ): Promise<RelationshipTerminationDto> {
    const relationships = table(this.schema, 'relationships');
    const ofThisPair = sql`partner_id = ${partnerId} AND customer_tenant_id = ${customerTenantId}`;
    return this.outbox.run(async (manager) => {
      const [row]: RelationshipRow[] = await runSql(
        manager,
        sql`SELECT status, terminated_at, termination_reason FROM ${relationships} WHERE ${ofThisPair} FOR UPDATE`,
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
      await runSql(
        manager,
        sql`UPDATE ${relationships}
            SET status = 'Terminated', terminated_at = ${data.terminatedAt}, termination_reason = ${data.reason}
            WHERE ${ofThisPair}`,
      );
      return {
        result: data,
        events: [outboxEvent('ResellerRelationshipTerminated', data, customerTenantId, correlationId)],
      };
    });
  }
}
