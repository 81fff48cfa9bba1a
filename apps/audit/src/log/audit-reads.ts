import { Injectable } from '@nestjs/common';
import { Topics } from '@app/contracts';
import { DataSource, EntityManager } from 'typeorm';
import { ChainBreak, ChainVerifier } from './audit-chain';
import { CSV_LINE, NDJSON_LINE } from './audit-export';
import { AuditFilter, AuditPageRequest, encodeCursor, filterSql } from './audit-query';
import { ROW_COLUMNS, StoredRow, toChainedRow, WRITER_ROLE } from './chained-log';

/** One stored message as the API shows it; every field the chain covers, plus the hash. */
export interface AuditItem {
  sequence: number;
  eventId: string | null;
  eventType: string | null;
  topic: string;
  partition: number;
  offset: string;
  key: string | null;
  kafkaTimestamp: string;
  receivedAt: string;
  occurredAt: string | null;
  partnerId: string | null;
  customerTenantId: string | null;
  orderId: string | null;
  headers: Record<string, string>;
  envelope: unknown | null;
  /** base64 of a message that is not a JSON object (or JSON that jsonb cannot hold). */
  raw: string | null;
  invalidReason: string | null;
  /** hex sha256 of the previous row's hash and this row's content (see audit-chain.ts). */
  hash: string;
}

export function toItem(r: StoredRow): AuditItem {
  return {
    sequence: Number(r.seq),
    eventId: r.event_id,
    eventType: r.event_type,
    topic: r.topic,
    partition: r.partition,
    offset: String(r.offset),
    key: r.key,
    kafkaTimestamp: r.kafka_timestamp.toISOString(),
    receivedAt: r.received_at.toISOString(),
    occurredAt: r.occurred_at ? r.occurred_at.toISOString() : null,
    partnerId: r.partner_id,
    customerTenantId: r.customer_tenant_id,
    orderId: r.order_id,
    headers: r.headers,
    envelope: r.envelope,
    raw: r.raw === null ? null : r.raw.toString('base64'),
    invalidReason: r.invalid_reason,
    hash: r.hash.toString('hex'),
  };
}

export interface ExportWriter {
  /** Resolves once the text is handed on (after the consumer drained, if it had to). */
  write(text: string): Promise<void>;
  /** True once the reader went away: the export stops. */
  closed(): boolean;
}

const CHUNK = 1000;
const EXPORT_CHUNK = 500;
const MAX_PACKET_ROWS = 10000;

/**
 * The reads of the log (U-02..U-05). Every read runs as the role that may only INSERT and SELECT,
 * and pages by sequence (keyset): appends commit in sequence order, so a page never misses a row
 * that commits after it was read.
 */
@Injectable()
export class AuditReads {
  constructor(private readonly dataSource: DataSource) {}

  private asWriterRole<T>(work: (m: EntityManager) => Promise<T>): Promise<T> {
    return this.dataSource.transaction(async (m) => {
      await m.query(`SET LOCAL ROLE ${WRITER_ROLE}`);
      return work(m);
    });
  }

  async page({ filter, afterSequence, limit }: AuditPageRequest) {
    const { where, params } = filterSql(filter, 3);
    const rows: StoredRow[] = await this.asWriterRole((m) =>
      m.query(
        `SELECT ${ROW_COLUMNS} FROM audit.events WHERE seq > $1 ${where.map((w) => `AND ${w}`).join(' ')}
          ORDER BY seq LIMIT $2`,
        [afterSequence, limit, ...params],
      ),
    );
    const items = rows.map(toItem);
    const next = items.length === limit ? encodeCursor(items[items.length - 1].sequence) : null;
    return { totalCount: items.length, items, continuationToken: next, nextCursor: next };
  }

  /**
   * Streams every row matching the filter, up to the chain head as it stood when the export began,
   * a chunk at a time: memory stays flat however large the log is.
   */
  async export(filter: AuditFilter, format: 'ndjson' | 'csv', out: ExportWriter): Promise<number> {
    const { where, params } = filterSql(filter, 4);
    const line = format === 'csv' ? CSV_LINE : NDJSON_LINE;
    return this.asWriterRole(async (m) => {
      const [head]: Array<{ seq: string }> = await m.query(`SELECT seq FROM audit.chain_head`);
      let after = 0;
      let count = 0;
      while (!out.closed()) {
        const [chunk]: Array<{ rows: number; last: string | null; text: string | null }> = await m.query(
          `SELECT count(*)::int AS rows, max(seq) AS last, string_agg(line, '' ORDER BY seq) AS text
             FROM (SELECT seq, ${line} AS line FROM audit.events WHERE seq > $1 AND seq <= $2
                     ${where.map((w) => `AND ${w}`).join(' ')} ORDER BY seq LIMIT $3) page`,
          [after, head.seq, EXPORT_CHUNK, ...params],
        );
        if (chunk.rows === 0) break;
        await out.write(chunk.text!);
        count += chunk.rows;
        after = Number(chunk.last);
        if (chunk.rows < EXPORT_CHUNK) break;
      }
      return count;
    });
  }

  /** Recomputes the whole chain up to its head, in keyset chunks (U-02). */
  async verify(): Promise<ChainBreak> {
    return this.asWriterRole(async (m) => {
      const [head]: Array<{ seq: string; hash: Buffer }> = await m.query(
        `SELECT seq, hash FROM audit.chain_head`,
      );
      const verifier = new ChainVerifier();
      let after = 0;
      for (;;) {
        const rows: StoredRow[] = await m.query(
          `SELECT ${ROW_COLUMNS} FROM audit.events WHERE seq > $1 AND seq <= $2 ORDER BY seq LIMIT $3`,
          [after, head.seq, CHUNK],
        );
        if (rows.length === 0) break;
        const more = verifier.push(
          rows.map((r) => ({ sequence: Number(r.seq), hash: r.hash, row: toChainedRow(r) })),
        );
        after = Number(rows[rows.length - 1].seq);
        if (!more || rows.length < CHUNK) break;
      }
      return verifier.finish({ sequence: Number(head.seq), hash: head.hash });
    });
  }

  /** U-04: every acceptance, relationship and decision of one customer, grouped, in log order. */
  async evidence(customerTenantId: string, scope: AuditFilter) {
    const { where, params } = filterSql({ partnerId: scope.partnerId }, 3);
    const rows: StoredRow[] = await this.asWriterRole((m) =>
      m.query(
        `SELECT ${ROW_COLUMNS} FROM audit.events
          WHERE customer_tenant_id = $1 AND topic = ANY($2) AND invalid_reason IS NULL
            ${where.map((w) => `AND ${w}`).join(' ')}
          ORDER BY seq LIMIT ${MAX_PACKET_ROWS + 1}`,
        [
          customerTenantId,
          [Topics.AgreementsAcceptance, Topics.PartnersRelationships, Topics.OrdersDecided],
          ...params,
        ],
      ),
    );
    const truncated = rows.length > MAX_PACKET_ROWS;
    const items = rows.slice(0, MAX_PACKET_ROWS).map(toItem);
    const on = (topic: string) => items.filter((i) => i.topic === topic);
    return {
      customerTenantId,
      generatedAt: new Date().toISOString(),
      acceptances: on(Topics.AgreementsAcceptance),
      relationships: on(Topics.PartnersRelationships),
      decisions: on(Topics.OrdersDecided),
      truncated,
    };
  }

  /** U-05: the decision on an order, its request, the acceptance fact it relied on and the policy. */
  async orderWhy(orderId: string, scope: AuditFilter) {
    const { where, params } = filterSql({ partnerId: scope.partnerId }, 3);
    const scoped = where.map((w) => `AND ${w}`).join(' ');
    return this.asWriterRole(async (m) => {
      const rows: StoredRow[] = await m.query(
        `SELECT ${ROW_COLUMNS} FROM audit.events
          WHERE order_id = $1 AND topic = ANY($2) AND invalid_reason IS NULL ${scoped} ORDER BY seq LIMIT 100`,
        [orderId, [Topics.OrdersRequested, Topics.OrdersDecided], ...params],
      );
      if (rows.length === 0) return null;
      const items = rows.map(toItem);
      const decisions = items.filter((i) => i.topic === Topics.OrdersDecided);
      const decision = decisions[0] ?? null;
      const request = items.find((i) => i.topic === Topics.OrdersRequested) ?? null;
      const data = (decision?.envelope as { data?: Record<string, any> } | null)?.data ?? {};
      const acceptanceEventId: string | null = data.evidence?.acceptanceEventId ?? null;
      let acceptance: AuditItem | null = null;
      if (acceptanceEventId) {
        const found: StoredRow[] = await m.query(
          `SELECT ${ROW_COLUMNS} FROM audit.events WHERE topic = $1 AND event_id = $2 ${scoped}`,
          [Topics.AgreementsAcceptance, acceptanceEventId, ...params],
        );
        acceptance = found.length > 0 ? toItem(found[0]) : null;
      }
      return {
        orderId,
        outcome: decision?.eventType ?? null,
        reason: data.reason ?? null,
        message: data.message ?? null,
        policyVersion: data.policyVersion ?? null,
        acceptanceEventId,
        decision,
        request,
        acceptance,
        decisionCount: decisions.length,
      };
    });
  }
}
