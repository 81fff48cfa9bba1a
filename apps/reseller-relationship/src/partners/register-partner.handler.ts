import { Inject, Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { Cloud, PartnerType } from '@app/contracts';
import { runSql, SERVICE_SCHEMA, sql, table } from '@app/messaging';
import { OutboxTransaction, outboxEvent } from '../outbox-transaction';
import { RelationshipErrors } from '../relationship-errors';
import { PartnerDto, RegisterPartnerDto } from './partners.dto';

interface PartnerRow {
  id: string;
  name: string;
  partner_type: PartnerType;
  cloud: Cloud;
  registered_at: Date;
}

const toDto = (row: PartnerRow): PartnerDto => ({
  id: row.id,
  name: row.name,
  partnerType: row.partner_type,
  cloud: row.cloud,
  registeredAt: row.registered_at.toISOString(),
});

export async function findPartnerType(
  manager: EntityManager,
  schema: string,
  partnerId: string,
): Promise<PartnerType | undefined> {
  const [row]: Array<{ partner_type: PartnerType }> = await runSql(
    manager,
    sql`SELECT partner_type FROM ${table(schema, 'partners')} WHERE id = ${partnerId}`,
  );
  return row?.partner_type;
}

/**
 * Registers a partner (PlatformAdmin). Registering the same partner again with the same facts answers
 * the stored record and publishes nothing (a safe retry); different facts are refused.
 */
@Injectable()
export class RegisterPartnerHandler {
  constructor(
    private readonly outbox: OutboxTransaction,
    @Inject(SERVICE_SCHEMA) private readonly schema: string,
  ) {}

  execute(body: RegisterPartnerDto, correlationId: string): Promise<PartnerDto> {
    const id = body.id.toLowerCase();
    const partners = table(this.schema, 'partners');
    return this.outbox.run(async (manager) => {
      const inserted: PartnerRow[] = await runSql(
        manager,
        sql`INSERT INTO ${partners} (id, name, partner_type, cloud)
            VALUES (${id}, ${body.name}, ${body.partnerType}, ${body.cloud})
            ON CONFLICT (id) DO NOTHING RETURNING *`,
      );
      if (inserted.length === 0) {
        const [existing]: PartnerRow[] = await runSql(
          manager,
          sql`SELECT * FROM ${partners} WHERE id = ${id}`,
        );
        const same =
          existing.name === body.name &&
          existing.partner_type === body.partnerType &&
          existing.cloud === body.cloud;
        if (!same) throw RelationshipErrors.partnerAlreadyRegistered();
        return { result: toDto(existing), events: [] };
      }
      const data = { partnerId: id, partnerType: body.partnerType, cloud: body.cloud, name: body.name };
      // Keyed by the partner id: a partner-level fact concerns no customer.
      return {
        result: toDto(inserted[0]),
        events: [outboxEvent('PartnerRegistered', data, id, correlationId)],
      };
    });
  }
}
