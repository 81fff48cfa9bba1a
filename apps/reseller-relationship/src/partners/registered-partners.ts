import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { PartnerDirectory } from '@app/platform';

/** S-03: this service registers partners, so its own table is the directory; nothing lags behind it. */
@Injectable()
export class RegisteredPartners extends PartnerDirectory {
  constructor(private readonly dataSource: DataSource) {
    super();
  }

  async isRegistered(partnerId: string): Promise<boolean> {
    const rows: unknown[] = await this.dataSource.query(
      `SELECT 1 FROM reseller_relationship.partners WHERE id = $1`,
      [partnerId],
    );
    return rows.length > 0;
  }
}
