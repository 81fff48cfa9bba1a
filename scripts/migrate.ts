import { DataSource } from 'typeorm';
import { runMigrationsLocked, serviceDataSourceOptions } from '@app/messaging';
import { ATTESTATION_MIGRATIONS, ATTESTATION_SCHEMA } from '../apps/attestation/src/attestation.module';
import { AUDIT_MIGRATIONS, AUDIT_SCHEMA } from '../apps/audit/src/audit.module';
import { ORDER_GATE_MIGRATIONS, ORDER_GATE_SCHEMA } from '../apps/order-gate/src/order-gate.module';
import {
  RESELLER_RELATIONSHIP_MIGRATIONS,
  RESELLER_RELATIONSHIP_SCHEMA,
} from '../apps/reseller-relationship/src/reseller-relationship.module';

/**
 * Brings every service's schema up to date. The services also do this at start (under the same
 * advisory lock); this command is for deployments that migrate before rolling out.
 */
const SERVICES = [
  { schema: ATTESTATION_SCHEMA, migrations: ATTESTATION_MIGRATIONS },
  { schema: RESELLER_RELATIONSHIP_SCHEMA, migrations: RESELLER_RELATIONSHIP_MIGRATIONS },
  { schema: ORDER_GATE_SCHEMA, migrations: ORDER_GATE_MIGRATIONS },
  { schema: AUDIT_SCHEMA, migrations: AUDIT_MIGRATIONS },
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
