import { BinaryCopyValues } from './copy-out';

const int16 = (n: number) => Buffer.from([(n >> 8) & 0xff, n & 0xff]);
const int32 = (n: number) => {
  const b = Buffer.alloc(4);
  b.writeInt32BE(n);
  return b;
};
const header = (extension = Buffer.alloc(0)) =>
  Buffer.concat([Buffer.from('PGCOPY\n\xff\r\n\0', 'latin1'), int32(0), int32(extension.length), extension]);
const row = (...values: Array<string | null>) =>
  Buffer.concat([
    int16(values.length),
    ...values.map((v) =>
      v === null ? int32(-1) : Buffer.concat([int32(Buffer.byteLength(v)), Buffer.from(v)]),
    ),
  ]);
const trailer = int16(-1);

function read(chunks: Buffer[]): { text: string; finished: boolean } {
  const values = new BinaryCopyValues();
  const out: Buffer[] = [];
  for (const chunk of chunks) values.push(chunk, (bytes) => out.push(Buffer.from(bytes)));
  return { text: Buffer.concat(out).toString(), finished: values.finished };
}

describe('BinaryCopyValues: the bytes of the values of a binary COPY, however the stream is cut', () => {
  const lines = ['{"sequence":1}\n', '{"a":"é, \\"quoted\\", \\\\"}\n', '', '1,"x\r\ny",2\r\n'];
  const stream = Buffer.concat([header(), ...lines.map((l) => row(l)), trailer]);

  it('hands on every value in order, and knows the end', () => {
    expect(read([stream])).toEqual({ text: lines.join(''), finished: true });
  });

  it('gives the same bytes when the stream is cut at any point, in two or in single bytes', () => {
    for (let cut = 0; cut <= stream.length; cut++) {
      expect(read([stream.subarray(0, cut), stream.subarray(cut)])).toEqual({
        text: lines.join(''),
        finished: true,
      });
    }
    const bytes = [...stream].map((b) => Buffer.from([b]));
    expect(read(bytes)).toEqual({ text: lines.join(''), finished: true });
  });

  it('skips a header extension, hands on nothing for NULL and reads rows of several fields', () => {
    const several = Buffer.concat([
      header(Buffer.from('ext')),
      row('a', null, 'b'),
      row(),
      row('c'),
      trailer,
    ]);
    expect(read([several])).toEqual({ text: 'abc', finished: true });
  });

  it('is not finished before the trailer, and refuses what is not binary COPY or comes after the end', () => {
    expect(read([stream.subarray(0, stream.length - 1)]).finished).toBe(false);
    expect(() => read([Buffer.from('1\tAgreementAttested\n')])).toThrow(/signature/);
    expect(() => read([stream, row('more')])).toThrow(/after the end/);
  });
});
