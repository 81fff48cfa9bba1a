import { DataSource, QueryRunner } from 'typeorm';
import { OutboxRow } from './outbox';
import { runSql, sql, Sql } from './sql';

/** What a message needs: a claimed row, or a row a consumer just wrote. */
export type Sendable = Pick<OutboxRow, 'topic' | 'key' | 'payload' | 'headers'>;

interface ClaimedRow extends Sendable {
  seq: string;
  id: string;
}

/**
 * One relay round: claims the oldest rows with no live lease (FOR UPDATE SKIP LOCKED, so several
 * instances share the work and a row that commits late is still found: nothing is chosen by "id
 * greater than the last one seen"), sends them, deletes them and commits. A row whose key has an
 * older row another relay holds is left for a later round, which keeps each key's events in order
 * across instances. Returns the ids published.
 */
export async function publishRound(
  dataSource: DataSource,
  outbox: Sql,
  batchSize: number,
  send: (rows: readonly Sendable[]) => Promise<void>,
): Promise<string[]> {
  const runner = dataSource.createQueryRunner();
  await runner.connect();
  try {
    await runner.startTransaction();
    const claimed: ClaimedRow[] = await runSql(
      runner,
      sql`SELECT seq, id, topic, key, payload, headers FROM ${outbox}
          WHERE lease_until IS NULL OR lease_until < now()
          ORDER BY seq LIMIT ${batchSize} FOR UPDATE SKIP LOCKED`,
    );
    if (claimed.length === 0) {
      await runner.commitTransaction();
      return [];
    }
    const rows = await withoutRowsBehindForeignClaims(runner, outbox, claimed);
    if (rows.length > 0) {
      await send(rows);
      const seqs = rows.map((r) => r.seq);
      await runSql(runner, sql`DELETE FROM ${outbox} WHERE seq = ANY(${seqs}::bigint[])`);
    }
    await runner.commitTransaction();
    return rows.map((r) => r.id);
  } catch (err) {
    if (runner.isTransactionActive) await runner.rollbackTransaction().catch(() => undefined);
    throw err;
  } finally {
    await runner.release();
  }
}

/** Rows of a key whose older row is claimed by another relay must wait for it. */
async function withoutRowsBehindForeignClaims(
  runner: QueryRunner,
  outbox: Sql,
  claimed: ClaimedRow[],
): Promise<ClaimedRow[]> {
  const seqs = claimed.map((r) => r.seq);
  const keys = [...new Set(claimed.map((r) => r.key))];
  const older: Array<{ key: string; first_seq: string }> = await runSql(
    runner,
    sql`SELECT key, min(seq) AS first_seq FROM ${outbox}
        WHERE key = ANY(${keys}::text[]) AND seq < ${seqs[seqs.length - 1]}::bigint
          AND NOT (seq = ANY(${seqs}::bigint[]))
        GROUP BY key`,
  );
  if (older.length === 0) return claimed;
  const blockedFrom = new Map(older.map((o) => [o.key, BigInt(o.first_seq)]));
  return claimed.filter((r) => {
    const first = blockedFrom.get(r.key);
    return first === undefined || BigInt(r.seq) < first;
  });
}
