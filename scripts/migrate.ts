import { DataSource } from 'typeorm';
import { runMigrationsLocked, serviceDataSourceOptions } from '@app/messaging';
import { ATTESTATION_MIGRATIONS } from '../apps/attestation/src/attestation.module';
import { AUDIT_MIGRATIONS } from '../apps/audit/src/audit.module';
import { ORDER_GATE_MIGRATIONS } from '../apps/order-gate/src/order-gate.module';
import { RESELLER_RELATIONSHIP_MIGRATIONS } from '../apps/reseller-relationship/src/reseller-relationship.module';

/**
 * Brings every service's schema up to date. The services also do this at start (under the same
 * advisory lock); this command is for deployments that migrate before rolling out.
 */
const SERVICES = [
  { schema: 'attestation', migrations: ATTESTATION_MIGRATIONS },
  { schema: 'reseller_relationship', migrations: RESELLER_RELATIONSHIP_MIGRATIONS },
  { schema: 'order_gate', migrations: ORDER_GATE_MIGRATIONS },
  { schema: 'audit', migrations: AUDIT_MIGRATIONS },
];

async function main(): Promise<void> {
  const url = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
  for (const { schema, migrations } of SERVICES) {
    const dataSource = await new DataSource(
      serviceDataSourceOptions({ url, schema, entities: [], migrations, poolSize: 2 }),
    ).initialize();
    try {
      const applied = await runMigrationsLocked(dataSource, schema);
      console.log(`${schema}: ${applied.length ? `applied ${applied.join(', ')}` : 'up to date'}`);
    } finally {
      await dataSource.destroy();
    }
  }
}

main().catch((err) => {
  console.error(`migration failed: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
