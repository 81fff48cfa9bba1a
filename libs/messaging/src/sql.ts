import { quoteIdent } from './schema';

/** What runs a statement: a TypeORM DataSource or EntityManager, or a `pg` client or pool. */
export interface SqlRunner {
  query(text: string, values?: unknown[]): Promise<any>;
}

/**
 * A piece of SQL and the values it refers to. Values are numbered ($1, $2, …) only when the whole
 * statement is built, so fragments compose without anyone counting parameters by hand; identifiers
 * (the service's schema, taken as a parameter) are quoted, never interpolated raw.
 */
export class Sql {
  /** `strings` has one more element than `values`; a value may itself be an Sql fragment. */
  constructor(
    private readonly strings: readonly string[],
    private readonly values: readonly unknown[],
  ) {}

  /** The statement text with numbered placeholders, and its values in that order. */
  toQuery(): { text: string; values: unknown[] } {
    const values: unknown[] = [];
    const text = this.render(values);
    return { text, values };
  }

  private render(values: unknown[]): string {
    let text = this.strings[0];
    this.values.forEach((value, i) => {
      if (value instanceof Sql) text += value.render(values);
      else text += `$${values.push(value)}`;
      text += this.strings[i + 1];
    });
    return text;
  }
}

/** sql`SELECT … FROM ${table(schema, 'requests')} WHERE partner_id = ${partnerId}` */
export function sql(strings: TemplateStringsArray, ...values: unknown[]): Sql {
  return new Sql([...strings], values);
}

/** A quoted identifier or dotted path: ident('attestation', 'requests') → "attestation"."requests". */
export function ident(...names: string[]): Sql {
  return raw(names.map(quoteIdent).join('.'));
}

/** A table of a service's schema: the schema is the service's parameter, never a literal in its SQL. */
export const table = (schema: string, name: string): Sql => ident(schema, name);

/** Trusted SQL text with no values (a keyword, a direction): never anything a caller sent. */
export function raw(text: string): Sql {
  return new Sql([text], []);
}

/** Fragments joined by a separator: `join(columns.map((c) => sql`${ident(c)} = ${v}`), ', ')`. */
export function join(fragments: readonly Sql[], separator = ', '): Sql {
  if (fragments.length === 0) return raw('');
  return new Sql(['', ...fragments.slice(1).map(() => separator), ''], fragments);
}

/** Runs a statement: for TypeORM, SELECT and RETURNING give their rows. */
export function runSql<T = any>(runner: SqlRunner, statement: Sql): Promise<T> {
  const { text, values } = statement.toQuery();
  return runner.query(text, values) as Promise<T>;
}
