import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { CatchUp, RelationshipsPartnerDirectory, runSql, SERVICE_SCHEMA, sql, table } from '@app/messaging';
import { RELATIONSHIPS_CONSUMER } from './partners-relationships.consumer';

/** S-03: the registered partners, from this service's copy of `partners.relationships`. */
@Injectable()
export class AttestationPartnerDirectory extends RelationshipsPartnerDirectory {
  constructor(
    catchUp: CatchUp,
    private readonly dataSource: DataSource,
    @Inject(SERVICE_SCHEMA) private readonly schema: string,
  ) {
    super(catchUp, RELATIONSHIPS_CONSUMER);
  }

  protected async lookUp(partnerId: string): Promise<boolean> {
    const rows: unknown[] = await runSql(
      this.dataSource,
      sql`SELECT 1 FROM ${table(this.schema, 'partners')} WHERE partner_id = ${partnerId}`,
    );
    return rows.length > 0;
  }
}
