import { createHash } from 'crypto';
import type { PoolClient, QueryResultRow } from 'pg';
import { DataSourceOptions, EntityManager } from 'typeorm';
import { Sql } from './sql';
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
 * runs on the transaction's connection; otherwise on one of the pool's, taken for this statement.
 * (A QueryRunner's `connect()` gives its `pg` client: named statements are `pg`'s, not TypeORM's.)
 */
export async function preparedQuery<T>(manager: EntityManager, statement: Sql): Promise<T[]>;
export async function preparedQuery<T>(manager: EntityManager, text: string, values: unknown[]): Promise<T[]>;
export async function preparedQuery<T>(
  manager: EntityManager,
  statement: Sql | string,
  values: unknown[] = [],
): Promise<T[]> {
  const query = typeof statement === 'string' ? { text: statement, values } : statement.toQuery();
  const config = { name: statementName(query.text), ...query };
  const inTransaction = manager.queryRunner;
  const runner = inTransaction ?? manager.connection.createQueryRunner();
  try {
    const client = (await runner.connect()) as PoolClient;
    return (await client.query<T & QueryResultRow>(config)).rows;
  } finally {
    if (!inTransaction) await runner.release();
  }
}
