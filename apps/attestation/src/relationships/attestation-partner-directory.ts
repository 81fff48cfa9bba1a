import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { Messaging, RelationshipsPartnerDirectory, runSql, sql, table } from '@app/messaging';
import { SERVICE_SCHEMA } from '../config';
import { RELATIONSHIPS_CONSUMER } from './partners-relationships.consumer';

/** S-03: the registered partners, from this service's copy of `partners.relationships`. */
@Injectable()
export class AttestationPartnerDirectory extends RelationshipsPartnerDirectory {
  constructor(
    messaging: Messaging,
    private readonly dataSource: DataSource,
    @Inject(SERVICE_SCHEMA) private readonly schema: string,
  ) {
    super(messaging, RELATIONSHIPS_CONSUMER);
  }

  protected async lookUp(partnerId: string): Promise<boolean> {
    const rows: unknown[] = await runSql(
      this.dataSource,
      sql`SELECT 1 FROM ${table(this.schema, 'partners')} WHERE partner_id = ${partnerId}`,
    );
    return rows.length > 0;
  }
}
