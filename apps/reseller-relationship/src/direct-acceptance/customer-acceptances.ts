import { randomUUID } from 'crypto';
import { isDeepStrictEqual } from 'util';
import { EntityManager } from 'typeorm';
import { AgreementType, CustomerAgreementAcceptedV1 } from '@app/contracts';
import { OutboxMessage, runSql, sql, table } from '@app/messaging';
import { outboxEvent } from '../outbox-transaction';
import { CustomerAgreementDto, SignerDto } from './direct-acceptance.dto';

interface AcceptanceRow {
  id: string;
  customer_tenant_id: string;
  template_id: string;
  date_agreed: Date;
  signer: SignerDto;
  via_partner_id: string | null;
}

export interface CustomerAcceptance {
  customerTenantId: string;
  templateId: string;
  dateAgreed: Date;
  signer: SignerDto;
  viaPartnerId?: string;
}

export const signerOf = (s: SignerDto): SignerDto => ({
  firstName: s.firstName,
  lastName: s.lastName,
  email: s.email,
});

export function acceptanceDto(row: AcceptanceRow): CustomerAgreementDto {
  return {
    id: row.id,
    customerTenantId: row.customer_tenant_id,
    agreementType: 'MicrosoftCustomerAgreement',
    templateId: row.template_id,
    dateAgreed: row.date_agreed.toISOString(),
    signer: row.signer,
    ...(row.via_partner_id ? { viaPartnerId: row.via_partner_id } : {}),
  };
}

export async function findAcceptance(
  manager: EntityManager,
  schema: string,
  id: string,
): Promise<CustomerAgreementDto | undefined> {
  const [row]: AcceptanceRow[] = await runSql(
    manager,
    sql`SELECT * FROM ${table(schema, 'customer_acceptances')} WHERE id = ${id}`,
  );
  return row ? acceptanceDto(row) : undefined;
}

/** The same acceptance recorded before (same template, date and signer, no invitation): a retry. */
export async function findSameDirectAcceptance(
  manager: EntityManager,
  schema: string,
  a: CustomerAcceptance,
): Promise<CustomerAgreementDto | undefined> {
  const rows: AcceptanceRow[] = await runSql(
    manager,
    sql`SELECT * FROM ${table(schema, 'customer_acceptances')}
        WHERE customer_tenant_id = ${a.customerTenantId} AND template_id = ${a.templateId}
          AND date_agreed = ${a.dateAgreed.toISOString()} AND via_partner_id IS NULL`,
  );
  const same = rows.find((row) => isDeepStrictEqual(row.signer, signerOf(a.signer)));
  return same ? acceptanceDto(same) : undefined;
}

/** Records the customer's own acceptance of the Microsoft Customer Agreement, and its event. */
export async function recordCustomerAcceptance(
  manager: EntityManager,
  schema: string,
  a: CustomerAcceptance,
  correlationId: string,
): Promise<{ acceptance: CustomerAgreementDto; event: OutboxMessage }> {
  const agreementType: typeof AgreementType.MicrosoftCustomerAgreement = 'MicrosoftCustomerAgreement';
  const data: CustomerAgreementAcceptedV1 = {
    customerTenantId: a.customerTenantId,
    agreementType,
    templateId: a.templateId,
    dateAgreed: a.dateAgreed.toISOString(),
    signer: signerOf(a.signer),
    ...(a.viaPartnerId ? { viaPartnerId: a.viaPartnerId } : {}),
  };
  const event = outboxEvent('CustomerAgreementAccepted', data, a.customerTenantId, correlationId);
  const id = randomUUID();
  await runSql(
    manager,
    sql`INSERT INTO ${table(schema, 'customer_acceptances')}
          (id, customer_tenant_id, agreement_type, template_id, date_agreed, signer, via_partner_id, event_id)
        VALUES (${id}, ${a.customerTenantId}, ${agreementType}, ${a.templateId}, ${data.dateAgreed},
                ${JSON.stringify(data.signer)}::jsonb, ${a.viaPartnerId ?? null}, ${event.envelope.eventId})`,
  );
  return { acceptance: { id, ...data }, event };
}
