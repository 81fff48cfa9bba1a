import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { runSql, sql, table } from '@app/messaging';
import { PartnerDirectory } from '@app/platform';
import { RELATIONSHIP_SCHEMA } from '../relationship-schema';

/** S-03: this service registers partners, so its own table is the directory; nothing lags behind it. */
@Injectable()
export class RegisteredPartners extends PartnerDirectory {
  constructor(
    private readonly dataSource: DataSource,
    @Inject(RELATIONSHIP_SCHEMA) private readonly schema: string,
  ) {
    super();
  }

  async isRegistered(partnerId: string): Promise<boolean> {
    const rows: unknown[] = await runSql(
      this.dataSource,
      sql`SELECT 1 FROM ${table(this.schema, 'partners')} WHERE id = ${partnerId}`,
    );
    return rows.length > 0;
  }
}
