import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { runSql, SERVICE_SCHEMA, sql, table } from '@app/messaging';
import { RelationshipErrors } from '../relationship-errors';
import { DirectSignedStatusDto } from './direct-acceptance.dto';

/**
 * D-05: whether the customer accepted the Microsoft Customer Agreement directly. Only a partner with an
 * active relationship may ask; any other gets the same 403 whether the customer exists or not, so the
 * answer reveals nothing about other partners' customers.
 */
@Injectable()
export class DirectSignedStatusHandler {
  constructor(
    private readonly dataSource: DataSource,
    @Inject(SERVICE_SCHEMA) private readonly schema: string,
  ) {}

  async execute(partnerId: string, customerTenantId: string): Promise<DirectSignedStatusDto> {
    const [row]: Array<{ related: boolean; signed: boolean }> = await runSql(
      this.dataSource,
      sql`SELECT
            EXISTS (SELECT 1 FROM ${table(this.schema, 'relationships')}
                    WHERE partner_id = ${partnerId} AND customer_tenant_id = ${customerTenantId}
                      AND status = 'Active') AS related,
            EXISTS (SELECT 1 FROM ${table(this.schema, 'customer_acceptances')}
                    WHERE customer_tenant_id = ${customerTenantId}) AS signed`,
    );
    if (!row.related) throw RelationshipErrors.noActiveRelationship();
    return { isSigned: row.signed };
  }
}
