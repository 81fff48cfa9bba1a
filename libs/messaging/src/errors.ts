/** A message that is well-formed but can never be applied: it goes to the DLQ at once. */
export class RejectedMessageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RejectedMessageError';
  }
}

/**
 * Thrown by a handler that gives a chunk up with no effect (it was waiting, and the consumer is stopping): the
 * runner neither retries nor dead-letters it, and the messages are delivered again after the next start.
 */
export class ChunkAbandonedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ChunkAbandonedError';
  }
}

const TRANSIENT_NODE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
]);

/**
 * Errors that say nothing about the message itself (the database or the broker is away): the
 * consumer waits and retries the same message rather than dead-lettering a good fact.
 */
export function isTransientError(err: unknown): boolean {
  if (!err || typeof err !== 'object') return false;
  const e = err as { code?: unknown; retriable?: unknown; name?: unknown; message?: unknown };
  if (e.retriable === true) return true;
  if (typeof e.code === 'string') {
    if (TRANSIENT_NODE_CODES.has(e.code)) return true;
    // PostgreSQL classes 08 (connection), 53 (resources), 57P (operator intervention), 40 (rollback)
    if (/^(08|53|57P|40)/.test(e.code)) return true;
  }
  const message = typeof e.message === 'string' ? e.message : '';
  return /Connection terminated|connection is closed|timeout exceeded when trying to connect/i.test(message);
}
