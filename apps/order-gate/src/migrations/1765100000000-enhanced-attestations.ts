import { MigrationInterface, QueryRunner } from 'typeorm';
import { ORDER_GATE_SCHEMA } from '../config';
import { enhancedAttestationsDown, enhancedAttestationsUp } from '../projection/projection-schema';

/**
 * G-15, T-08: the pair's latest enhanced attestation (its status, link and expiry), and each partner
 * attestation's source and the enhanced attestation it was finalized from.
 */
export class EnhancedAttestations1765100000000 implements MigrationInterface {
  name = 'EnhancedAttestations1765100000000';

  async up(q: QueryRunner): Promise<void> {
    for (const statement of enhancedAttestationsUp(ORDER_GATE_SCHEMA)) await q.query(statement);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const statement of enhancedAttestationsDown(ORDER_GATE_SCHEMA)) await q.query(statement);
  }
}
