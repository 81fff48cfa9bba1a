import { Injectable } from '@nestjs/common';
import { OutboxTransaction, outboxEvent } from '../outbox-transaction';
import { RelationshipErrors } from '../relationship-errors';
import { indirectLinkRejection } from './indirect-link-rules';
import { IndirectResellerLinkDto } from './partners.dto';
import { findPartnerType } from './register-partner.handler';

/** D-07: an indirect provider links a reseller it works with. Linking again changes nothing. */
@Injectable()
export class LinkIndirectResellerHandler {
  constructor(private readonly outbox: OutboxTransaction) {}

  execute(
    providerPartnerId: string,
    resellerPartnerIdGiven: string,
    correlationId: string,
  ): Promise<IndirectResellerLinkDto> {
    const resellerPartnerId = resellerPartnerIdGiven.toLowerCase();
    return this.outbox.run(async (manager) => {
      const rejection = indirectLinkRejection(
        await findPartnerType(manager, providerPartnerId),
        await findPartnerType(manager, resellerPartnerId),
      );
      if (rejection?.kind === 'NotAnIndirectProvider') throw RelationshipErrors.notAnIndirectProvider();
      if (rejection?.kind === 'ResellerNotRegistered') throw RelationshipErrors.resellerNotRegistered();
      if (rejection?.kind === 'NotAnIndirectReseller')
        throw RelationshipErrors.notAnIndirectReseller(rejection.partnerType);

      const inserted: Array<{ linked_at: Date }> = await manager.query(
        `INSERT INTO reseller_relationship.indirect_reseller_links (provider_partner_id, reseller_partner_id, linked_at)
         VALUES ($1, $2, now()) ON CONFLICT DO NOTHING RETURNING linked_at`,
        [providerPartnerId, resellerPartnerId],
      );
      if (inserted.length === 0) {
        const [existing]: Array<{ linked_at: Date }> = await manager.query(
          `SELECT linked_at FROM reseller_relationship.indirect_reseller_links
           WHERE provider_partner_id = $1 AND reseller_partner_id = $2`,
          [providerPartnerId, resellerPartnerId],
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
