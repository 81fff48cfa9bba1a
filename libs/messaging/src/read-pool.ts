import type { ServerResponse } from 'http';
import { connect as tcpConnect } from 'net';
import { HttpStatus } from '@nestjs/common';
import { Client, Pool, PoolClient } from 'pg';
import { ApiError, ErrorCodes } from '@app/platform';

/**
 * A small pool of its own for long reads (exports, paged reports), so that a slow or abandoned
 * reader never takes a connection that ingest, the relay or the readiness check needs (S-08).
 * Each connection runs with `statement_timeout` and `idle_in_transaction_session_timeout`, and
 * PostgreSQL checks the client socket while a query runs (`client_connection_check_interval`).
 */
export interface ReadPoolOptions extends ReadPoolSettings {
  url: string;
  /** pg_stat_activity.application_name of its connections. */
  applicationName: string;
}

export interface ReadPoolSettings {
  max: number;
  statementTimeoutMs: number;
  idleInTransactionTimeoutMs: number;
  acquireTimeoutMs: number;
  /** A streamed read whose reader accepts no byte for this long is stopped (see readerGone). */
  stallTimeoutMs: number;
}

/** The read pool's settings from `READ_POOL_*` (see readPoolSettings). */
export const READ_POOL_DEFAULTS: ReadPoolSettings = {
  max: 4,
  statementTimeoutMs: 300000,
  idleInTransactionTimeoutMs: 30000,
  acquireTimeoutMs: 5000,
  stallTimeoutMs: 120000,
};

const READ_POOL_VARIABLES: Record<keyof ReadPoolSettings, [variable: string, min: number, max: number]> = {
  max: ['READ_POOL_MAX', 1, 100],
  statementTimeoutMs: ['READ_POOL_STATEMENT_TIMEOUT_MS', 100, 3600000],
  idleInTransactionTimeoutMs: ['READ_POOL_IDLE_IN_TRANSACTION_TIMEOUT_MS', 100, 3600000],
  acquireTimeoutMs: ['READ_POOL_ACQUIRE_TIMEOUT_MS', 100, 600000],
  stallTimeoutMs: ['READ_POOL_STALL_TIMEOUT_MS', 100, 3600000],
};

/**
 * The read pool's settings from the environment; a bad value is named in the error (the service
 * refuses to start). Returns the problems rather than throwing, for the caller's ConfigError.
 */
export function readPoolSettings(env: Record<string, string | undefined>): {
  settings: ReadPoolSettings;
  problems: Array<{ variable: string; expected: string }>;
} {
  const settings = { ...READ_POOL_DEFAULTS };
  const problems: Array<{ variable: string; expected: string }> = [];
  for (const key of Object.keys(READ_POOL_VARIABLES) as Array<keyof ReadPoolSettings>) {
    const [variable, min, max] = READ_POOL_VARIABLES[key];
    const text = env[variable]?.trim();
    if (!text) continue;
    const value = /^\d{1,9}$/.test(text) ? Number(text) : NaN;
    if (!(value >= min && value <= max))
      problems.push({ variable, expected: `must be an integer from ${min} to ${max}` });
    else settings[key] = value;
  }
  return { settings, problems };
}

/** No connection of the read pool came free in time: 503, with Retry-After (see answeringBusy). */
export class ReadCapacityExhaustedError extends ApiError {
  constructor(readonly retryAfterSeconds: number) {
    super(
      HttpStatus.SERVICE_UNAVAILABLE,
      ErrorCodes.ServiceUnavailable,
      'ReadCapacityExhausted',
      `Every connection for exports and reports is busy. Retry after ${retryAfterSeconds} s.`,
      {},
      true,
    );
  }
}

/** nginx's "client closed request": nobody reads the answer, but the access log says what happened. */
const CLIENT_CLOSED_REQUEST = 499;

/** The reader went away before the read was over: there is no one left to answer. */
export class ReaderGoneError extends ApiError {
  constructor() {
    super(CLIENT_CLOSED_REQUEST, ErrorCodes.BadRequest, 'ClientClosedRequest', 'The client went away.');
  }
}

/** Runs a read, and when the read pool is full, adds Retry-After to the 503 it fails with. */
export async function answeringBusy<T>(
  res: { setHeader(name: string, value: string): unknown },
  read: () => Promise<T>,
): Promise<T> {
  try {
    return await read();
  } catch (error) {
    if (error instanceof ReadCapacityExhaustedError) {
      res.setHeader('Retry-After', String(error.retryAfterSeconds));
    }
    throw error;
  }
}

/**
 * Aborts when the response closes before it was finished: the HTTP client went away. With
 * `stallTimeoutMs`, a reader that accepts no byte for that long (a paused export) is let go too:
 * its connection is closed, which aborts the read.
 */
export function readerGone(res: ServerResponse, stallTimeoutMs?: number): AbortSignal {
  const controller = new AbortController();
  let watch: NodeJS.Timeout | undefined;
  if (stallTimeoutMs !== undefined) {
    let written = -1;
    let since = Date.now();
    watch = setInterval(
      () => {
        const now = res.socket?.bytesWritten ?? 0;
        if (now !== written) {
          written = now;
          since = Date.now();
        } else if (Date.now() - since >= stallTimeoutMs) {
          res.destroy();
        }
      },
      Math.min(1000, stallTimeoutMs),
    );
    watch.unref();
  }
  res.once('close', () => {
    clearInterval(watch);
    if (!res.writableFinished) controller.abort(new ReaderGoneError());
  });
  return controller.signal;
}

/**
 * Connections at most `max`; a read waits up to `acquireTimeoutMs` for one, then is refused with
 * ReadCapacityExhaustedError (503).
 */
export class ReadPool {
  private readonly pool: Pool;
  private readonly server: { host: string; port: number };
  /** How to close each read in progress: a stopping service does not wait for paused readers. */
  private readonly running = new Set<(reason: Error) => void>();

  constructor(private readonly options: ReadPoolOptions) {
    this.pool = new Pool({
      connectionString: options.url,
      max: options.max,
      connectionTimeoutMillis: options.acquireTimeoutMs,
      idleTimeoutMillis: 10000,
      application_name: options.applicationName,
      statement_timeout: options.statementTimeoutMs,
      idle_in_transaction_session_timeout: options.idleInTransactionTimeoutMs,
      options: '-c client_connection_check_interval=1000',
    });
    // An idle connection that fails is dropped by the pool; the next read opens another.
    this.pool.on('error', () => undefined);
    const url = new URL(options.url);
    this.server = { host: url.hostname || '127.0.0.1', port: Number(url.port || 5432) };
  }

  /**
   * Runs `work` on a connection of the read pool. When `signal` aborts (the reader went away), the
   * statement running is cancelled and the connection closed, which rolls back any transaction it
   * had open, and the read rejects with ReaderGoneError. A connection on which `work` failed is
   * closed too, never handed to the next read in an unknown state.
   */
  async run<T>(work: (client: PoolClient) => Promise<T>, signal?: AbortSignal): Promise<T> {
    if (signal?.aborted) throw new ReaderGoneError();
    const client = await this.acquire(signal);
    // A connection closed under a running read (see close) fails that read; it must not crash the process too.
    const ignore = () => undefined;
    client.on('error', ignore);
    let closed = false;
    const close = (reason: Error) => {
      if (closed) return;
      closed = true;
      this.cancelRunning(client);
      // Closing the socket is what stops a COPY that is blocked writing to a reader that stopped reading.
      (client as unknown as Client).connection.stream.destroy();
      client.release(reason);
    };
    const onAbort = () => close(new ReaderGoneError());
    signal?.addEventListener('abort', onAbort, { once: true });
    this.running.add(close);
    try {
      const result = await work(client);
      if (signal?.aborted) throw new ReaderGoneError();
      return result;
    } catch (error) {
      close(error instanceof Error ? error : new Error(String(error)));
      throw signal?.aborted ? new ReaderGoneError() : error;
    } finally {
      signal?.removeEventListener('abort', onAbort);
      this.running.delete(close);
      if (!closed) {
        closed = true;
        client.release();
      }
      client.removeListener('error', ignore);
    }
  }

  /** For readerGone: how long a streamed read may go without its reader taking a byte. */
  get stallTimeoutMs(): number {
    return this.options.stallTimeoutMs;
  }

  /** Connections of the pool: open, and idle among them. */
  get counts(): { total: number; idle: number; waiting: number } {
    return { total: this.pool.totalCount, idle: this.pool.idleCount, waiting: this.pool.waitingCount };
  }

  /** Closes the reads in progress and the pool. */
  end(): Promise<void> {
    for (const close of this.running) close(new Error('the service is stopping'));
    return this.pool.end();
  }

  private acquire(signal?: AbortSignal): Promise<PoolClient> {
    return new Promise<PoolClient>((resolve, reject) => {
      let settled = false;
      const onAbort = () => {
        settled = true;
        reject(new ReaderGoneError());
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.pool.connect().then(
        (client) => {
          signal?.removeEventListener('abort', onAbort);
          // The reader left while it waited: the connection goes straight back.
          if (settled) return client.release();
          settled = true;
          resolve(client);
        },
        (error: Error) => {
          signal?.removeEventListener('abort', onAbort);
          if (settled) return;
          settled = true;
          reject(
            /timeout/i.test(error.message)
              ? new ReadCapacityExhaustedError(Math.ceil(this.options.acquireTimeoutMs / 1000))
              : error,
          );
        },
      );
    });
  }

  /**
   * PostgreSQL's CancelRequest for whatever the connection runs (protocol message 80877102, sent on
   * a connection of its own, as psql's Ctrl-C does): stops a statement at once instead of when the
   * server next notices the closed socket. Harmless when the connection is idle.
   */
  private cancelRunning(client: PoolClient): void {
    const { processID, secretKey } = client as unknown as { processID?: number; secretKey?: number };
    if (processID == null || secretKey == null) return;
    const message = Buffer.alloc(16);
    message.writeInt32BE(16, 0);
    message.writeInt32BE(80877102, 4);
    message.writeInt32BE(processID, 8);
    message.writeInt32BE(secretKey, 12);
    const socket = tcpConnect(this.server.port, this.server.host, () => socket.end(message));
    socket.setTimeout(5000, () => socket.destroy());
    socket.on('error', () => undefined);
  }
}
