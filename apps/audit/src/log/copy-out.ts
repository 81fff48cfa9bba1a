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
