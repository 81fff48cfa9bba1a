import { createHash } from 'crypto';
import type { Pool, PoolClient, QueryResultRow } from 'pg';
import { DataSourceOptions, EntityManager } from 'typeorm';
import type { PostgresDriver } from 'typeorm/driver/postgres/PostgresDriver';
import { StatementLogger } from './statement-logger';

export interface ServiceDatabaseOptions {
  url: string;
  /** The service's own schema: no service reads another's tables. */
  schema: string;
  entities: DataSourceOptions['entities'];
  migrations: DataSourceOptions['migrations'];
  poolSize?: number;
}

/**
 * TypeORM options for one service: its own schema, migrations only (never synchronize), and failed
 * statements logged without their parameters (S-07).
 */
export function serviceDataSourceOptions(o: ServiceDatabaseOptions): DataSourceOptions {
  return {
    type: 'postgres',
    url: o.url,
    schema: o.schema,
    entities: o.entities,
    migrations: o.migrations,
    migrationsTableName: 'migrations',
    migrationsRun: false,
    synchronize: false,
    logger: new StatementLogger(),
    extra: { max: o.poolSize ?? 20, application_name: `acceptance-gate/${o.schema}` },
  };
}

const statementNames = new Map<string, string>();

/** One name per statement text, the same on every connection. */
function statementName(text: string): string {
  let name = statementNames.get(text);
  if (name === undefined) {
    name = `s_${createHash('sha1').update(text).digest('hex').slice(0, 24)}`;
    statementNames.set(text, name);
  }
  return name;
}

/**
 * Runs a statement as a named prepared statement: each connection parses it once, and PostgreSQL
 * may then plan it once, where `manager.query` parses and plans it at every call. For the hot
 * statements whose text is fixed (the parameters vary, never the text). Inside a transaction it
 * runs on the transaction's connection; otherwise on any of the pool's.
 */
export async function preparedQuery<T>(
  manager: EntityManager,
  text: string,
  values: unknown[],
): Promise<T[]> {
  const config = { name: statementName(text), text, values };
  const runner = manager.queryRunner;
  if (runner) {
    const client = (await runner.connect()) as PoolClient;
    return (await client.query<T & QueryResultRow>(config)).rows;
  }
  const pool = (manager.connection.driver as PostgresDriver).master as Pool;
  return (await pool.query<T & QueryResultRow>(config)).rows;
}
