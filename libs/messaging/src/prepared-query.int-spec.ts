import { preparedQuery } from './database';
import { givenMessagingDatabase, SCHEMA } from './messaging.harness';

describe('preparedQuery, against the real database', () => {
  const bed = givenMessagingDatabase('messaging_prepared_query');
  const text = `SELECT n, $1::text AS tag FROM ${SCHEMA}.prepared_probe WHERE n = ANY($2::int[]) ORDER BY n`;

  beforeAll(async () => {
    await bed.dataSource().query(`CREATE TABLE ${SCHEMA}.prepared_probe (n int PRIMARY KEY)`);
    await bed.dataSource().query(`INSERT INTO ${SCHEMA}.prepared_probe SELECT generate_series(1, 5)`);
  });

  it('gives the rows manager.query gives, with other parameters each time, on any pooled connection', async () => {
    for (let round = 0; round < 15; round++) {
      const wanted = [1 + (round % 5), 5];
      const prepared = await preparedQuery<{ n: number; tag: string }>(bed.dataSource().manager, text, [
        `r${round}`,
        wanted,
      ]);
      expect(prepared).toEqual(await bed.dataSource().query(text, [`r${round}`, wanted]));
      expect(prepared.map((r) => r.n)).toEqual([...new Set(wanted)].sort());
    }
  });

  it("runs inside a transaction on the transaction's own connection, parsed there once", async () => {
    const rows = await bed
      .dataSource()
      .transaction(async (m) => {
        await m.query(`INSERT INTO ${SCHEMA}.prepared_probe VALUES (6)`);
        // Sees the transaction's own uncommitted row: the same connection, not another from the pool.
        const first = await preparedQuery<{ n: number }>(m, text, ['tx', [6]]);
        await preparedQuery(m, text, ['tx', [1]]);
        const statements: Array<{ count: string }> = await m.query(
          `SELECT count(*) FROM pg_prepared_statements WHERE statement = $1`,
          [text],
        );
        expect(Number(statements[0].count)).toBe(1);
        throw Object.assign(new Error('roll back'), { rows: first });
      })
      .catch((err: { rows?: unknown }) => err.rows);
    expect(rows).toEqual([{ n: 6, tag: 'tx' }]);
    expect(await bed.dataSource().query(`SELECT n FROM ${SCHEMA}.prepared_probe WHERE n = 6`)).toEqual([]);
  });

  it('fails like manager.query on a bad statement, with the database error code', async () => {
    await expect(
      preparedQuery(bed.dataSource().manager, `SELECT * FROM ${SCHEMA}.no_such_table`, []),
    ).rejects.toMatchObject({
      code: '42P01',
    });
  });
});
