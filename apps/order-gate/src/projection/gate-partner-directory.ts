import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { CatchUp, RelationshipsPartnerDirectory, runSql, SERVICE_SCHEMA, sql, table } from '@app/messaging';
import { FACTS_CONSUMER } from './facts.consumer';

/** S-03: the registered partners, from the gate's projection of `partners.relationships`. */
@Injectable()
export class GatePartnerDirectory extends RelationshipsPartnerDirectory {
  constructor(
    catchUp: CatchUp,
    private readonly dataSource: DataSource,
    @Inject(SERVICE_SCHEMA) private readonly schema: string,
  ) {
    super(catchUp, FACTS_CONSUMER);
  }

  protected async lookUp(partnerId: string): Promise<boolean> {
    const rows: unknown[] = await runSql(
      this.dataSource,
      sql`SELECT 1 FROM ${table(this.schema, 'partners')} WHERE partner_id = ${partnerId}`,
    );
    return rows.length > 0;
  }
}
