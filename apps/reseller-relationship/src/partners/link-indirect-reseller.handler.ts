import { Inject, Injectable } from '@nestjs/common';
import { runSql, SERVICE_SCHEMA, sql, table } from '@app/messaging';
import { OutboxTransaction, outboxEvent } from '../outbox-transaction';
import { RelationshipErrors } from '../relationship-errors';
import { indirectLinkRejection } from './indirect-link-rules';
import { IndirectResellerLinkDto } from './partners.dto';
import { findPartnerType } from './register-partner.handler';

/** D-07: an indirect provider links a reseller it works with. Linking again changes nothing. */
@Injectable()
export class LinkIndirectResellerHandler {
  constructor(
    private readonly outbox: OutboxTransaction,
    @Inject(SERVICE_SCHEMA) private readonly schema: string,
  ) {}

  execute(
    providerPartnerId: string,
    resellerPartnerIdGiven: string,
    correlationId: string,
  ): Promise<IndirectResellerLinkDto> {
    const resellerPartnerId = resellerPartnerIdGiven.toLowerCase();
    const links = table(this.schema, 'indirect_reseller_links');
    return this.outbox.run(async (manager) => {
      const rejection = indirectLinkRejection(
        await findPartnerType(manager, this.schema, providerPartnerId),
        await findPartnerType(manager, this.schema, resellerPartnerId),
      );
      if (rejection?.kind === 'NotAnIndirectProvider') throw RelationshipErrors.notAnIndirectProvider();
      if (rejection?.kind === 'ResellerNotRegistered') throw RelationshipErrors.resellerNotRegistered();
      if (rejection?.kind === 'NotAnIndirectReseller')
        throw RelationshipErrors.notAnIndirectReseller(rejection.partnerType);

      const inserted: Array<{ linked_at: Date }> = await runSql(
        manager,
        sql`INSERT INTO ${links} (provider_partner_id, reseller_partner_id, linked_at)
            VALUES (${providerPartnerId}, ${resellerPartnerId}, now()) ON CONFLICT DO NOTHING RETURNING linked_at`,
      );
      if (inserted.length === 0) {
        const [existing]: Array<{ linked_at: Date }> = await runSql(
          manager,
          sql`SELECT linked_at FROM ${links}
              WHERE provider_partner_id = ${providerPartnerId} AND reseller_partner_id = ${resellerPartnerId}`,
        );
        return {
          result: { providerPartnerId, resellerPartnerId, linkedAt: existing.linked_at.toISOString() },
          events: [],
        };
      }
      const data = { providerPartnerId, resellerPartnerId, linkedAt: inserted[0].linked_at.toISOString() };
      return {
        result: data,
        // Keyed by the provider's partner id: the link concerns no customer.
        events: [outboxEvent('IndirectResellerLinked', data, providerPartnerId, correlationId)],
      };
    });
  }
}
