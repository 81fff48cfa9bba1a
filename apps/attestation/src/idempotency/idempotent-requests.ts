import { Injectable } from '@nestjs/common';
import { createHash } from 'crypto';
import { DataSource, EntityManager } from 'typeorm';
import { Messaging } from '@app/messaging';
import { AttestationErrors } from '../attest/attestation-errors';

/** What a request answers: the exact bytes, so a retry gets them again. */
export interface HttpAnswer {
  status: number;
  body: string;
}

/** A change's answer and the events it wrote to the outbox in the same transaction. */
export interface ChangeOutcome extends HttpAnswer {
  eventIds: string[];
}

export interface RequestKey {
  partnerId: string;
  /** The caller's MS-RequestId; without one, every request is new. */
  requestId?: string;
  /** Tells a retry of the same request from a new request that reuses the id. */
  fingerprint: string;
}

interface StoredRequest {
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
 * runs a change at most once per (partner, MS-RequestId). The request row is inserted first in
 * the change's own transaction, so of two identical requests arriving together the second blocks on
 * the unique key until the first commits, then finds its stored answer and returns it. Only answered
 * changes are stored: a refusal rolls everything back, so a corrected retry is judged afresh. A
 * replay answers only once the stored events are on their topics, like the first answer.
 */
@Injectable()
export class IdempotentRequests {
  constructor(
    private readonly dataSource: DataSource,
    private readonly messaging: Messaging,
  ) {}

  /** The stored answer to this request, when it was already answered (checked before judging it anew). */
  async replay(key: RequestKey): Promise<HttpAnswer | undefined> {
    if (!key.requestId) return undefined;
    const [stored]: StoredRequest[] = await this.dataSource.query(
      `SELECT fingerprint, status, body, event_ids FROM attestation.requests WHERE partner_id = $1 AND request_id = $2`,
      [key.partnerId, key.requestId],
    );
    return stored ? this.answerWith(stored, key) : undefined;
  }

  async run(
    key: RequestKey,
    change: (manager: EntityManager) => Promise<ChangeOutcome>,
  ): Promise<HttpAnswer> {
    const result = await this.dataSource.transaction(async (manager) => {
      if (key.requestId) {
        const claimed: unknown[] = await manager.query(
          `INSERT INTO attestation.requests (partner_id, request_id, fingerprint) VALUES ($1, $2, $3)
           ON CONFLICT DO NOTHING RETURNING request_id`,
          [key.partnerId, key.requestId, key.fingerprint],
        );
        if (claimed.length === 0) {
          const [stored]: StoredRequest[] = await manager.query(
            `SELECT fingerprint, status, body, event_ids FROM attestation.requests WHERE partner_id = $1 AND request_id = $2`,
            [key.partnerId, key.requestId],
          );
          return { stored };
        }
      }
      const outcome = await change(manager);
      if (key.requestId) {
        await manager.query(
          `UPDATE attestation.requests SET status = $3, body = $4, event_ids = $5::text[]
            WHERE partner_id = $1 AND request_id = $2`,
          [key.partnerId, key.requestId, outcome.status, outcome.body, outcome.eventIds],
        );
      }
      return { outcome };
    });
    if (result.stored) return this.answerWith(result.stored, key);
    const { outcome } = result;
    if (!(await this.messaging.flush(outcome.eventIds))) throw AttestationErrors.publicationPending();
    return { status: outcome.status, body: outcome.body };
  }

  private async answerWith(stored: StoredRequest, key: RequestKey): Promise<HttpAnswer> {
    if (stored.fingerprint !== key.fingerprint) throw AttestationErrors.requestIdReused();
    if (stored.event_ids.length > 0) {
      const pending: Array<{ id: string }> = await this.dataSource.query(
        `SELECT id FROM attestation.outbox WHERE id = ANY($1::uuid[])`,
        [stored.event_ids],
      );
      if (pending.length > 0 && !(await this.messaging.flush(pending.map((p) => p.id))))
        throw AttestationErrors.publicationPending();
    }
    return { status: stored.status, body: stored.body };
  }
}
