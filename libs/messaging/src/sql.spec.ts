import { ident, join, raw, sql, table } from './sql';

describe('sql: statements whose parameters number themselves', () => {
  it('numbers values in order of appearance, across nested fragments', () => {
    const where = sql`partner_id = ${'p'} AND request_id = ${'r'}`;
    const q = sql`UPDATE ${table('attestation', 'requests')} SET status = ${201} WHERE ${where} AND body = ${'b'}`;
    expect(q.toQuery()).toEqual({
      text: 'UPDATE "attestation"."requests" SET status = $1 WHERE partner_id = $2 AND request_id = $3 AND body = $4',
      values: [201, 'p', 'r', 'b'],
    });
  });

  it('a fragment used twice gets fresh numbers each time', () => {
    const id = sql`${'x'}::uuid`;
    expect(sql`SELECT ${id}, ${id}`.toQuery()).toEqual({
      text: 'SELECT $1::uuid, $2::uuid',
      values: ['x', 'x'],
    });
  });

  it('quotes identifiers and refuses one that is not a plain lower-case name', () => {
    expect(ident('order_gate', 'orders').toQuery().text).toBe('"order_gate"."orders"');
    expect(() => ident('gate"; DROP TABLE x; --')).toThrow(/invalid SQL identifier/);
    expect(() => table('Attestation', 'requests')).toThrow(/invalid SQL identifier/);
  });

  it('joins fragments with their values, and an empty list to nothing', () => {
    const set = join([sql`a = ${1}`, sql`b = ${2}`, raw('c = now()')]);
    expect(sql`SET ${set} WHERE id = ${3}`.toQuery()).toEqual({
      text: 'SET a = $1, b = $2, c = now() WHERE id = $3',
      values: [1, 2, 3],
    });
    expect(join([]).toQuery()).toEqual({ text: '', values: [] });
  });

  it('passes arrays and nulls as values, never as text', () => {
    expect(sql`WHERE id = ANY(${['a', 'b']}::uuid[]) AND x IS NOT DISTINCT FROM ${null}`.toQuery()).toEqual({
      text: 'WHERE id = ANY($1::uuid[]) AND x IS NOT DISTINCT FROM $2',
      values: [['a', 'b'], null],
    });
  });
});
