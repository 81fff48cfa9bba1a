import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { runSql, SERVICE_SCHEMA, sql, table } from '@app/messaging';
import { PartnerDirectory } from '@app/platform';

/** S-03: this service registers partners, so its own table is the directory; nothing lags behind it. */
@Injectable()
export class RegisteredPartners extends PartnerDirectory {
  constructor(
    private readonly dataSource: DataSource,
    @Inject(SERVICE_SCHEMA) private readonly schema: string,
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
