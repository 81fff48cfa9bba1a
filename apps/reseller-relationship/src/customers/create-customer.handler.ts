import { Inject, Injectable } from '@nestjs/common';
import { randomUUID } from 'crypto';
import { isDeepStrictEqual } from 'util';
import { Cloud } from '@app/contracts';
import { runSql, SERVICE_SCHEMA, sql, table } from '@app/messaging';
import { OutboxTransaction, outboxEvent } from '../outbox-transaction';
import { RelationshipErrors } from '../relationship-errors';
import { partnerCloud } from './customer-tenants';
import { CreateCustomerDto, CustomerDto, PrimaryContactDto } from './customers.dto';

interface CustomerRow {
  id: string;
  company_name: string | null;
  primary_contact: PrimaryContactDto | null;
  cloud: Cloud;
  country: string;
  created_by_partner_id: string | null;
  created_at: Date;
}

const contactOf = (c: PrimaryContactDto): PrimaryContactDto => ({
  firstName: c.firstName,
  lastName: c.lastName,
  email: c.email,
  ...(c.phoneNumber !== undefined ? { phoneNumber: c.phoneNumber } : {}),
});

/**
 * D-01: a partner creates a customer tenant, which establishes their relationship. The id is generated
 * here (S-02: a caller cannot claim a tenant; an existing one is reached by invitation, D-02), and the
 * customer is in the creating partner's registered cloud (S-01: a cloud is never the caller's word).
 * With an MS-RequestId, the same partner resending the same customer gets the stored one and nothing
 * is published twice; the same request id for another customer is refused.
 */
@Injectable()
export class CreateCustomerHandler {
  constructor(
    private readonly outbox: OutboxTransaction,
    @Inject(SERVICE_SCHEMA) private readonly schema: string,
  ) {}

  execute(
    partnerId: string,
    body: CreateCustomerDto,
    correlationId: string,
    requestId?: string,
  ): Promise<CustomerDto> {
    if (body.id !== undefined) throw RelationshipErrors.customerIdAssignedBySystem();
    const country = body.country.toUpperCase();
    const contact = contactOf(body.primaryContact);
    const companyName = body.companyProfile.companyName;
    const customers = table(this.schema, 'customers');
    return this.outbox.run(async (manager) => {
      const cloud = await partnerCloud(manager, this.schema, partnerId);
      if (cloud === undefined) throw RelationshipErrors.partnerNotRegistered();
      if (body.cloud !== undefined && body.cloud !== cloud)
        throw RelationshipErrors.cloudDiffersFromPartner(cloud, 'your');
      const id = randomUUID();
      const inserted: CustomerRow[] = await runSql(
        manager,
        sql`INSERT INTO ${customers}
              (id, company_name, primary_contact, cloud, country, created_by_partner_id, request_id)
            VALUES (${id}, ${companyName}, ${JSON.stringify(contact)}::jsonb, ${cloud}, ${country}, ${partnerId},
                    ${requestId ?? null})
            ON CONFLICT (created_by_partner_id, request_id) WHERE request_id IS NOT NULL DO NOTHING
            RETURNING *`,
      );
      if (inserted.length === 0) {
        const [earlier]: CustomerRow[] = await runSql(
          manager,
          sql`SELECT * FROM ${customers} WHERE created_by_partner_id = ${partnerId} AND request_id = ${requestId}`,
        );
        const retry =
          earlier.company_name === companyName &&
          earlier.country === country &&
          isDeepStrictEqual(earlier.primary_contact, contact);
        if (!retry) throw RelationshipErrors.requestIdReused();
        return { result: toDto(earlier), events: [] };
      }
      const row = inserted[0];
      await runSql(
        manager,
        sql`INSERT INTO ${table(this.schema, 'relationships')}
              (partner_id, customer_tenant_id, status, origin, established_at)
            VALUES (${partnerId}, ${id}, 'Active', 'CustomerCreated', ${row.created_at})`,
      );
      const data = { customerTenantId: id, partnerId, companyName, cloud, country };
      return { result: toDto(row), events: [outboxEvent('CustomerTenantCreated', data, id, correlationId)] };
    });
  }
}

function toDto(row: CustomerRow): CustomerDto {
  return {
    id: row.id,
    companyProfile: { companyName: row.company_name! },
    primaryContact: row.primary_contact!,
    cloud: row.cloud,
    country: row.country,
    partnerId: row.created_by_partner_id!,
    createdAt: row.created_at.toISOString(),
  };
}
