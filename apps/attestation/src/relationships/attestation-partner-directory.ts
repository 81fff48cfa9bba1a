import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { CatchUp, RelationshipsPartnerDirectory } from '@app/messaging';
import { RELATIONSHIPS_CONSUMER } from './partners-relationships.consumer';

/** S-03: the registered partners, from this service's copy of `partners.relationships`. */
@Injectable()
export class AttestationPartnerDirectory extends RelationshipsPartnerDirectory {
  constructor(
    catchUp: CatchUp,
    private readonly dataSource: DataSource,
  ) {
    super(catchUp, RELATIONSHIPS_CONSUMER);
  }

  protected async lookUp(partnerId: string): Promise<boolean> {
    const rows: unknown[] = await this.dataSource.query(
      `SELECT 1 FROM attestation.partners WHERE partner_id = $1`,
      [partnerId],
    );
    return rows.length > 0;
  }
}
