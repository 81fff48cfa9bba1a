import { Readable } from 'stream';
import type { Connection, Submittable } from 'pg';

const SIGNATURE = Buffer.from('PGCOPY\n\xff\r\n\0', 'latin1');

/** What is read next, and how many bytes its fixed-size part has (signature, flags, extension length). */
const FIXED = { header: SIGNATURE.length + 8, fieldCount: 2, fieldLength: 4 } as const;
type Stage = keyof typeof FIXED | 'extension' | 'value' | 'done';

/**
 * Reads PostgreSQL's binary COPY format (a header; per row an int16 field count and per field an
 * int32 length and the bytes; an int16 -1 at the end) from chunks cut anywhere, and hands on the
 * bytes of every value in order, as views of the chunks: nothing is copied. A NULL hands on nothing.
 */
export class BinaryCopyValues {
  private stage: Stage = 'header';
  /** The fixed-size part being read may be cut across chunks. */
  private readonly fixed = Buffer.alloc(FIXED.header);
  private fixedHave = 0;
  private fieldsLeft = 0;
  private bytesLeft = 0;

  get finished(): boolean {
    return this.stage === 'done';
  }

  push(chunk: Buffer, value: (bytes: Buffer) => void): void {
    let at = 0;
    while (at < chunk.length) {
      const stage = this.stage;
      if (stage === 'done') throw new Error('binary COPY: data after the end');
      if (stage === 'value' || stage === 'extension') {
        const end = Math.min(chunk.length, at + this.bytesLeft);
        if (stage === 'value') value(chunk.subarray(at, end));
        this.bytesLeft -= end - at;
        at = end;
        if (this.bytesLeft === 0) this.stage = stage === 'value' ? this.nextField() : 'fieldCount';
        continue;
      }
      const need = FIXED[stage];
      const taken = chunk.copy(
        this.fixed,
        this.fixedHave,
        at,
        Math.min(chunk.length, at + need - this.fixedHave),
      );
      this.fixedHave += taken;
      at += taken;
      if (this.fixedHave === need) {
        this.fixedHave = 0;
        this.stage = this.afterFixed(stage);
      }
    }
  }

  private afterFixed(stage: keyof typeof FIXED): Stage {
    const fixed = this.fixed;
    if (stage === 'header') {
      if (!fixed.subarray(0, SIGNATURE.length).equals(SIGNATURE))
        throw new Error('binary COPY: bad signature');
      this.bytesLeft = fixed.readInt32BE(SIGNATURE.length + 4);
      return this.bytesLeft > 0 ? 'extension' : 'fieldCount';
    }
    if (stage === 'fieldCount') {
      const count = fixed.readInt16BE(0);
      if (count === -1) return 'done';
      this.fieldsLeft = count;
      return count > 0 ? 'fieldLength' : 'fieldCount';
    }
    const length = fixed.readInt32BE(0);
    if (length <= 0) return this.nextField();
    this.bytesLeft = length;
    return 'value';
  }

  private nextField(): Stage {
    this.fieldsLeft--;
    return this.fieldsLeft > 0 ? 'fieldLength' : 'fieldCount';
  }
}

/**
 * Bytes are handed on in pieces of this size: large enough that the socket writes stay few, small
 * enough that a piece lives and dies young.
 */
const PIECE_BYTES = 64 * 1024;

/**
 * `COPY (<query>) TO STDOUT (FORMAT binary)` as a readable stream of the values' bytes, one after the
 * other: the query's rows arrive from PostgreSQL as bytes and leave as bytes, never as strings, and
 * at most a few pieces of them are in memory at once. When the reader is slow, the database
 * connection stops being read, so PostgreSQL waits; when the stream is destroyed before the end,
 * the connection is closed, which is the only way to make PostgreSQL stop a COPY at once (the pool
 * then drops it). Run it with `client.query(copyOut)` on a client of its own.
 */
export class CopyOut extends Readable implements Submittable {
  /** The rows PostgreSQL reported when the COPY completed. */
  rows = 0;
  private connection?: Connection;
  private readonly values = new BinaryCopyValues();
  private piece = Buffer.allocUnsafe(PIECE_BYTES);
  private filled = 0;
  /** PostgreSQL answered the whole statement (its end or an error): the connection is idle again. */
  private answered = false;

  constructor(private readonly text: string) {
    super({ highWaterMark: PIECE_BYTES });
  }

  submit(connection: Connection): void {
    this.connection = connection;
    connection.query(this.text);
  }

  /** The chunk is a view of pg's read buffer, which pg may reuse: its bytes are copied out at once. */
  handleCopyData(message: { chunk: Buffer }): void {
    if (this.destroyed) return;
    try {
      this.values.push(message.chunk, (bytes) => this.collect(bytes));
    } catch (error) {
      this.destroy(error as Error);
    }
  }

  handleCommandComplete(message: { text: string }): void {
    this.rows = Number(/^COPY (\d+)$/.exec(message.text)?.[1] ?? 0);
  }

  handleReadyForQuery(): void {
    this.answered = true;
    if (this.destroyed) return;
    if (!this.values.finished) return void this.destroy(new Error('binary COPY: ended before its end'));
    this.handOn();
    this.push(null);
  }

  handleError(error: Error): void {
    this.answered = true;
    this.destroy(error);
  }

  /** pg hands the answer to a statement that is not a COPY ... TO STDOUT to these: it is refused. */
  handleRowDescription(): void {
    this.destroy(new Error('CopyOut runs COPY ... TO STDOUT only'));
  }
  handleCopyInResponse(): void {
    this.handleRowDescription();
  }
  handleEmptyQuery(): void {
    this.handleRowDescription();
  }
  handleDataRow(): void {}
  handlePortalSuspended(): void {}

  override _read(): void {
    this.connection?.stream.resume();
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    const socket = this.connection?.stream;
    if (this.answered || !socket || socket.destroyed) return callback(error);
    // Once the socket has closed, the client has failed this query and its pool has dropped it.
    socket.once('close', () => callback(error));
    socket.destroy();
  }

  private collect(bytes: Buffer): void {
    let at = 0;
    while (at < bytes.length) {
      const copied = bytes.copy(this.piece, this.filled, at);
      this.filled += copied;
      at += copied;
      if (this.filled === PIECE_BYTES) this.handOn();
    }
  }

  private handOn(): void {
    if (this.filled === 0) return;
    const piece = this.filled === PIECE_BYTES ? this.piece : this.piece.subarray(0, this.filled);
    this.piece = Buffer.allocUnsafe(PIECE_BYTES);
    this.filled = 0;
    if (!this.push(piece)) this.connection?.stream.pause();
  }
}

/**
 * `COPY (<query>) TO STDOUT (FORMAT binary)` handed to `onRow` row by row, synchronously, as the bytes arrive: the
 * values are views of pg's read buffer (null for a NULL), valid only during the call, and the array is reused.
 * Nothing is queued: while onRow works, the connection is not read, so PostgreSQL waits and memory stays flat.
 * onRow returns false to have no more rows: `done` then resolves with `stopped`, and the caller closes the
 * connection (ReadPool.run does when its work throws), which is the only way to stop a COPY at once.
 * Run it with `client.query(copyRows)` on a client of its own.
 */
export class CopyRows implements Submittable {
  readonly done: Promise<{ rows: number; stopped: boolean }>;
  private settle!: (outcome: { rows: number; stopped: boolean }) => void;
  private fail!: (error: Error) => void;
  private settled = false;
  private rows = 0;
  private headerRead = false;
  private ended = false;
  /** A row cut across chunks (PostgreSQL sends one per message, so this is rare): its bytes so far. */
  private pending: Buffer | null = null;
  private readonly fields: Array<Buffer | null> = [];

  constructor(
    private readonly text: string,
    private readonly onRow: (fields: ReadonlyArray<Buffer | null>) => boolean,
  ) {
    this.done = new Promise((resolve, reject) => {
      this.settle = resolve;
      this.fail = reject;
    });
    // A failure after the caller stopped waiting is nobody's: it must not become an unhandled rejection.
    this.done.catch(() => undefined);
  }

  submit(connection: Connection): void {
    connection.query(this.text);
  }

  handleCopyData(message: { chunk: Buffer }): void {
    if (this.settled) return;
    try {
      this.take(message.chunk);
    } catch (error) {
      this.finish(error as Error);
    }
  }

  handleCommandComplete(): void {}

  handleReadyForQuery(): void {
    if (this.settled) return;
    if (!this.ended) return this.finish(new Error('binary COPY: ended before its end'));
    this.finish(null);
  }

  handleError(error: Error): void {
    this.finish(error);
  }

  /** pg hands the answer to a statement that is not a COPY ... TO STDOUT to these: it is refused. */
  handleRowDescription(): void {
    this.finish(new Error('CopyRows runs COPY ... TO STDOUT only'));
  }
  handleCopyInResponse(): void {
    this.handleRowDescription();
  }
  handleEmptyQuery(): void {
    this.handleRowDescription();
  }
  handleDataRow(): void {}
  handlePortalSuspended(): void {}

  private finish(error: Error | null, stopped = false): void {
    if (this.settled) return;
    this.settled = true;
    if (error) this.fail(error);
    else this.settle({ rows: this.rows, stopped });
  }

  private take(chunk: Buffer): void {
    const data = this.pending === null ? chunk : Buffer.concat([this.pending, chunk]);
    this.pending = null;
    let at = 0;
    if (!this.headerRead) {
      if (data.length < FIXED.header) return this.keep(data, 0);
      if (!data.subarray(0, SIGNATURE.length).equals(SIGNATURE))
        throw new Error('binary COPY: bad signature');
      const extension = data.readInt32BE(SIGNATURE.length + 4);
      if (data.length < FIXED.header + extension) return this.keep(data, 0);
      at = FIXED.header + extension;
      this.headerRead = true;
    }
    const fields = this.fields;
    while (at < data.length) {
      if (this.ended) throw new Error('binary COPY: data after the end');
      const start = at;
      if (data.length - at < 2) return this.keep(data, start);
      const count = data.readInt16BE(at);
      at += 2;
      if (count === -1) {
        this.ended = true;
        continue;
      }
      fields.length = count;
      for (let i = 0; i < count; i++) {
        if (data.length - at < 4) return this.keep(data, start);
        const length = data.readInt32BE(at);
        at += 4;
        if (length < 0) {
          fields[i] = null;
          continue;
        }
        if (data.length - at < length) return this.keep(data, start);
        fields[i] = data.subarray(at, at + length);
        at += length;
      }
      this.rows++;
      if (!this.onRow(fields)) return this.finish(null, true);
    }
  }

  /** pg may reuse the chunk's memory: what is kept of it is copied. */
  private keep(data: Buffer, from: number): void {
    this.pending = Buffer.from(data.subarray(from));
  }
}
