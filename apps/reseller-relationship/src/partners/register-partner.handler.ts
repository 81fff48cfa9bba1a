import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { Cloud, PartnerType } from '@app/contracts';
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
  partnerId: string,
): Promise<PartnerType | undefined> {
  const [row]: Array<{ partner_type: PartnerType }> = await manager.query(
    `SELECT partner_type FROM reseller_relationship.partners WHERE id = $1`,
    [partnerId],
  );
  return row?.partner_type;
}

/**
 * Registers a partner (PlatformAdmin). Registering the same partner again with the same facts answers
 * the stored record and publishes nothing (a safe retry); different facts are refused.
 */
@Injectable()
export class RegisterPartnerHandler {
  constructor(private readonly outbox: OutboxTransaction) {}

  execute(body: RegisterPartnerDto, correlationId: string): Promise<PartnerDto> {
    const id = body.id.toLowerCase();
    return this.outbox.run(async (manager) => {
      const inserted: PartnerRow[] = await manager.query(
        `INSERT INTO reseller_relationship.partners (id, name, partner_type, cloud) VALUES ($1, $2, $3, $4)
         ON CONFLICT (id) DO NOTHING RETURNING *`,
        [id, body.name, body.partnerType, body.cloud],
      );
      if (inserted.length === 0) {
        const [existing]: PartnerRow[] = await manager.query(
          `SELECT * FROM reseller_relationship.partners WHERE id = $1`,
          [id],
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
