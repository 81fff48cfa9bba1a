import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { Topics } from '@app/contracts';
import { CatchUp, RelationshipsPartnerDirectory } from '@app/messaging';
import { AUDIT_LOG_CONSUMER } from './all-topics.consumer';

/**
 * S-03: the registered partners, from the log itself: a `PartnerRegistered` the audit stored from
 * `partners.relationships` and found valid against the contract (its topic's writer included, S-04).
 */
@Injectable()
export class AuditPartnerDirectory extends RelationshipsPartnerDirectory {
  constructor(
    catchUp: CatchUp,
    private readonly dataSource: DataSource,
  ) {
    super(catchUp, AUDIT_LOG_CONSUMER);
  }

  protected async lookUp(partnerId: string): Promise<boolean> {
    const rows: unknown[] = await this.dataSource.query(
      `SELECT 1 FROM audit.events
        WHERE partner_id = $1 AND event_type = 'PartnerRegistered' AND topic = $2
          AND invalid_reason IS NULL
        LIMIT 1`,
      [partnerId, Topics.PartnersRelationships],
    );
    return rows.length > 0;
  }
}
