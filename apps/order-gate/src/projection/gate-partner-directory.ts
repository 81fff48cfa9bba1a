import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { Messaging, quoteIdent, RelationshipsPartnerDirectory } from '@app/messaging';
import { FACTS_CONSUMER } from './facts.consumer';

/** S-03: the registered partners, from the gate's projection of `partners.relationships`. */
@Injectable()
export class GatePartnerDirectory extends RelationshipsPartnerDirectory {
  private readonly partners: string;

  constructor(
    messaging: Messaging,
    private readonly dataSource: DataSource,
  ) {
    super(messaging, FACTS_CONSUMER);
    this.partners = `${quoteIdent(messaging.options.schema)}.partners`;
  }

  protected async lookUp(partnerId: string): Promise<boolean> {
    const rows: unknown[] = await this.dataSource.query(
      `SELECT 1 FROM ${this.partners} WHERE partner_id = $1`,
      [partnerId],
    );
    return rows.length > 0;
  }
}
