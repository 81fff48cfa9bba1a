import { Client } from 'pg';
import { createTestDatabase, TestDatabase } from '@app/testing';
import { csvCell, csvCellSql } from './csv-cell';

describe('S-10: the SQL rendering of a CSV cell is the TypeScript one (real database)', () => {
  let db: TestDatabase;
  let client: Client;

  beforeAll(async () => {
    db = await createTestDatabase('csv_cell');
    client = new Client({ connectionString: db.url });
    await client.connect();
  });

  afterAll(async () => {
    await client?.end();
    await db?.drop();
  });

  it('S-10: csvCellSql renders every value exactly as csvCell does', async () => {
    const values = [
      ...['=', '+', '-', '@', '\t', '\r'].map((start) => `${start}1+1`),
      ...['=', '+', '-', '@', '\t', '\r'],
      'plain',
      ' =1',
      'a=b',
      "O'Brien",
      'a,b',
      'say "hi"',
      'two\nlines',
      'cr\rinside',
      '=HYPERLINK("https://evil.example","x")',
      '\\t',
      't',
      'r',
      '',
      null,
    ];
    const { rows } = await client.query<{ cell: string }>(
      `SELECT ${csvCellSql('v')} AS cell FROM unnest($1::text[]) WITH ORDINALITY AS u(v, i) ORDER BY i`,
      [values],
    );
    expect(rows.map((r) => r.cell)).toEqual(values.map((v) => csvCell(v)));
  });
});
