import { Injectable } from '@nestjs/common';
import { randomUUID } from 'crypto';
import { isDeepStrictEqual } from 'util';
import { Cloud } from '@app/contracts';
import { OutboxTransaction, outboxEvent } from '../outbox-transaction';
import { RelationshipErrors } from '../relationship-errors';
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
 * D-01: a partner creates a customer tenant, which establishes their relationship. An id that exists
 * already is never taken over: another partner (or the same one with other facts) gets 409 and is
 * pointed to the invitation flow (D-02). The same partner sending the same customer again (a retry)
 * gets the stored customer and nothing is published twice.
 */
@Injectable()
export class CreateCustomerHandler {
  constructor(private readonly outbox: OutboxTransaction) {}

  execute(partnerId: string, body: CreateCustomerDto, correlationId: string): Promise<CustomerDto> {
    const id = body.id?.toLowerCase() ?? randomUUID();
    const country = body.country.toUpperCase();
    const contact = contactOf(body.primaryContact);
    return this.outbox.run(async (manager) => {
      const inserted: CustomerRow[] = await manager.query(
        `INSERT INTO reseller_relationship.customers (id, company_name, primary_contact, cloud, country, created_by_partner_id)
         VALUES ($1, $2, $3::jsonb, $4, $5, $6) ON CONFLICT (id) DO NOTHING RETURNING *`,
        [id, body.companyProfile.companyName, JSON.stringify(contact), body.cloud, country, partnerId],
      );
      if (inserted.length === 0) {
        const [existing]: CustomerRow[] = await manager.query(
          `SELECT * FROM reseller_relationship.customers WHERE id = $1`,
          [id],
        );
        const retry =
          existing.created_by_partner_id === partnerId &&
          existing.company_name === body.companyProfile.companyName &&
          existing.cloud === body.cloud &&
          existing.country === country &&
          isDeepStrictEqual(existing.primary_contact, contact);
        if (!retry) throw RelationshipErrors.customerTenantExists();
        return { result: toDto(existing), events: [] };
      }
      const row = inserted[0];
      await manager.query(
        `INSERT INTO reseller_relationship.relationships (partner_id, customer_tenant_id, status, origin, established_at)
         VALUES ($1, $2, 'Active', 'CustomerCreated', $3)`,
        [partnerId, id, row.created_at],
      );
      const data = {
        customerTenantId: id,
        partnerId,
        companyName: body.companyProfile.companyName,
        cloud: body.cloud,
        country,
      };
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
