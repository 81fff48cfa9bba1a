import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { RelationshipErrors } from '../relationship-errors';
import { DirectSignedStatusDto } from './direct-acceptance.dto';

/**
 * D-05: whether the customer accepted the Microsoft Customer Agreement directly. Only a partner with an
 * active relationship may ask; any other gets the same 403 whether the customer exists or not, so the
 * answer reveals nothing about other partners' customers.
 */
@Injectable()
export class DirectSignedStatusHandler {
  constructor(private readonly dataSource: DataSource) {}

  async execute(partnerId: string, customerTenantId: string): Promise<DirectSignedStatusDto> {
    const [row]: Array<{ related: boolean; signed: boolean }> = await this.dataSource.query(
      `SELECT
         EXISTS (SELECT 1 FROM reseller_relationship.relationships
                 WHERE partner_id = $1 AND customer_tenant_id = $2 AND status = 'Active') AS related,
         EXISTS (SELECT 1 FROM reseller_relationship.customer_acceptances
                 WHERE customer_tenant_id = $2) AS signed`,
      [partnerId, customerTenantId],
    );
    if (!row.related) throw RelationshipErrors.noActiveRelationship();
    return { isSigned: row.signed };
  }
}
