import { Logger } from '@nestjs/common';
import type { Logger as TypeOrmLogger } from 'typeorm';
import { sqlStateOf } from '@app/platform';

/** Long generated statements (multi-row inserts) are cut here in the log. */
const MAX_STATEMENT_LENGTH = 2000;

function statementText(query: string): string {
  const text = query.replace(/\s+/g, ' ').trim();
  return text.length > MAX_STATEMENT_LENGTH ? `${text.slice(0, MAX_STATEMENT_LENGTH)}…` : text;
}

/**
 * TypeORM's logger for every service (S-07): a failed statement is logged with its SQLSTATE and its
 * text, never with its parameters (contact data, tokens) nor PostgreSQL's message, which quotes the
 * value it refused. TypeORM's own loggers append the parameters to the statement. Lines go through
 * the service's JSON logger.
 */
export class StatementLogger implements TypeOrmLogger {
  private readonly logger = new Logger('Database');

  logQuery(): void {}

  logQueryError(error: string | Error, query: string): void {
    this.logger.warn('statement failed', {
      sqlState: sqlStateOf(error) ?? null,
      statement: statementText(query),
    });
  }

  logQuerySlow(time: number, query: string): void {
    this.logger.warn('slow statement', { durationMs: time, statement: statementText(query) });
  }

  logSchemaBuild(): void {}

  /** At debug: `npm run migrate` reports what it applied; TypeORM's step-by-step lines are noise at start. */
  logMigration(message: string): void {
    this.logger.debug(message);
  }

  log(level: 'log' | 'info' | 'warn', message: unknown): void {
    if (level === 'warn') this.logger.warn(String(message));
    else this.logger.debug(String(message));
  }
}
