import { Inject, Injectable } from '@nestjs/common';
import { createHash } from 'crypto';
import { DataSource, EntityManager } from 'typeorm';
import {
  OutboxMessage,
  runSql,
  SERVICE_SCHEMA,
  sql,
  SqlRunner,
  table,
  TransactionalOutbox,
} from '@app/messaging';
import { AttestationErrors } from '../attest/attestation-errors';

/** What a request answers: the exact bytes, so a retry gets them again. */
export interface HttpAnswer {
  status: number;
  body: string;
}

/** A change's answer and the events it causes, written to the outbox in the same transaction. */
export interface ChangeOutcome extends HttpAnswer {
  events: readonly OutboxMessage[];
}

export interface RequestKey {
  partnerId: string;
  /** The caller's MS-RequestId; without one, every request is new. */
  requestId?: string;
  /** Tells a retry of the same request from a new request that reuses the id. */
  fingerprint: string;
}

/** What one run found: the stored answer to a request seen before, or the change's own answer. */
type Answered = { stored: StoredRequest } | { answer: HttpAnswer };

export interface StoredRequest {
  fingerprint: string;
  status: number;
  body: string;
  event_ids: string[];
}

/** The fingerprint of one operation on one resource with one body. */
export function requestFingerprint(operation: string, ...parts: unknown[]): string {
  return createHash('sha256')
    .update(JSON.stringify([operation, ...parts]))
    .digest('base64url');
}

/**
 * runs a change at most once per (partner, MS-RequestId), on the service's transactional
 * outbox. The request row is inserted first in the change's own transaction, so of two identical
 * requests arriving together the second blocks on the unique key until the first commits, then
 * finds its stored answer and returns it. Only answered changes are stored: a refusal rolls
 * everything back, so a corrected retry is judged afresh. A replay answers only once the stored
 * events are on their topics, like the first answer.
 */
@Injectable()
export class IdempotentRequests {
  constructor(
    private readonly dataSource: DataSource,
    private readonly outbox: TransactionalOutbox,
    @Inject(SERVICE_SCHEMA) private readonly schema: string,
  ) {}

  /** The stored answer to this request, when it was already answered (checked before judging it anew). */
  async replay(key: RequestKey): Promise<HttpAnswer | undefined> {
    if (!key.requestId) return undefined;
    const stored = await this.stored(this.dataSource, key);
    return stored ? this.answerWith(stored, key) : undefined;
  }

  /**
   * The answer to a request seen before, from its stored row: refused when the id came with another
   * request, and given only once its events are on their topics, like the first answer.
   */
  answerStored(stored: StoredRequest, key: RequestKey): Promise<HttpAnswer> {
    return this.answerWith(stored, key);
  }

  async run(
    key: RequestKey,
    change: (manager: EntityManager) => Promise<ChangeOutcome>,
  ): Promise<HttpAnswer> {
    const requests = table(this.schema, 'requests');
    const result = await this.outbox.run<Answered>(async (manager) => {
      if (key.requestId) {
        const claimed: unknown[] = await runSql(
          manager,
          sql`INSERT INTO ${requests} (partner_id, request_id, fingerprint)
              VALUES (${key.partnerId}, ${key.requestId}, ${key.fingerprint})
              ON CONFLICT DO NOTHING RETURNING request_id`,
        );
        if (claimed.length === 0)
          return { result: { stored: (await this.stored(manager, key))! }, events: [] };
      }
      const { events, ...answer } = await change(manager);
      if (key.requestId) {
        const eventIds = events.map((e) => e.envelope.eventId);
        await runSql(
          manager,
          sql`UPDATE ${requests} SET status = ${answer.status}, body = ${answer.body}, event_ids = ${eventIds}::text[]
               WHERE partner_id = ${key.partnerId} AND request_id = ${key.requestId}`,
        );
      }
      return { result: { answer }, events };
    }, AttestationErrors.publicationPending);
    return 'stored' in result ? this.answerWith(result.stored, key) : result.answer;
  }

  private async stored(runner: SqlRunner, key: RequestKey): Promise<StoredRequest | undefined> {
    const [stored]: StoredRequest[] = await runSql(
      runner,
      sql`SELECT fingerprint, status, body, event_ids FROM ${table(this.schema, 'requests')}
           WHERE partner_id = ${key.partnerId} AND request_id = ${key.requestId}`,
    );
    return stored;
  }

  private async answerWith(stored: StoredRequest, key: RequestKey): Promise<HttpAnswer> {
    if (stored.fingerprint !== key.fingerprint) throw AttestationErrors.requestIdReused();
    await this.outbox.confirmPublished(stored.event_ids, AttestationErrors.publicationPending);
    return { status: stored.status, body: stored.body };
  }
}
