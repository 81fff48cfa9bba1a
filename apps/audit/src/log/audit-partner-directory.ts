import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { Topics } from '@app/contracts';
import { CatchUp, RelationshipsPartnerDirectory, runSql, SERVICE_SCHEMA, sql, table } from '@app/messaging';
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
    @Inject(SERVICE_SCHEMA) private readonly schema: string,
  ) {
    super(catchUp, AUDIT_LOG_CONSUMER);
  }

  protected async lookUp(partnerId: string): Promise<boolean> {
    const rows: unknown[] = await runSql(
      this.dataSource,
      sql`SELECT 1 FROM ${table(this.schema, 'events')}
           WHERE partner_id = ${partnerId} AND event_type = 'PartnerRegistered'
             AND topic = ${Topics.PartnersRelationships} AND invalid_reason IS NULL
           LIMIT 1`,
    );
    return rows.length > 0;
  }
}
