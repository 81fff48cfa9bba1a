import { Inject, Injectable } from '@nestjs/common';
import { once } from 'events';
import { escapeLiteral, type PoolClient, type QueryResult } from 'pg';
import type { Writable } from 'stream';
import { pipeline } from 'stream/promises';
import { Topics } from '@app/contracts';
import { raw, ReadPool, runSql, SERVICE_SCHEMA, Sql, sql, table } from '@app/messaging';
import { AuditCheckpoints } from '../checkpoints/audit-checkpoints';
import type { Checkpoint } from '../checkpoints/checkpoint';
import { ChainBreak, ChainPoint, ChainVerifier } from './audit-chain';
import { CSV_LINE, exportSource, NDJSON_LINE } from './audit-export';
import { AuditFilter, AuditPageRequest, encodeCursor, filterSql } from './audit-query';
import { feedChain } from './chain-verify';
import { ROW_COLUMNS, StoredRow } from './chained-log';
import { CopyOut } from './copy-out';
import { enhancedAttestationTrails } from './enhanced-attestation-trail';

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

const MAX_PACKET_ROWS = 10000;

/** Verify found a break before the end of its read: the read is left, and its connection closed. */
class ChainBroken extends Error {
  constructor(
    readonly verifier: ChainVerifier,
    readonly head: ChainPoint,
  ) {
    super('the chain breaks');
  }
}

/** What verify answers: where the chain breaks, and the signed checkpoint it was checked against (U-07). */
export interface Verification extends ChainBreak {
  checkpoint: Omit<Checkpoint, 'signature'> | null;
}

/**
 * The reads of the log (U-02..U-05), on the read pool (S-08): a slow or abandoned reader holds one
 * of its few connections, never one that ingest or the readiness check needs, each statement has a
 * time limit, and a read stops when its `signal` says the reader went away. They page by sequence
 * (keyset): appends commit in sequence order, so a page never misses a row that commits after it
 * was read. The service's database role may only read and append, whatever runs here.
 */
@Injectable()
export class AuditReads {
  constructor(
    private readonly readPool: ReadPool,
    private readonly checkpoints: AuditCheckpoints,
    @Inject(SERVICE_SCHEMA) private readonly schema: string,
  ) {}

  private read<T>(work: (client: PoolClient) => Promise<T>, signal?: AbortSignal): Promise<T> {
    return this.readPool.run(work, signal);
  }

  private rows<T extends object>(client: PoolClient, statement: Sql): Promise<T[]> {
    return runSql<QueryResult<T>>(client, statement).then((result) => result.rows);
  }

  private get events(): Sql {
    return table(this.schema, 'events');
  }

  async page({ filter, afterSequence, limit }: AuditPageRequest, signal?: AbortSignal) {
    const rows = await this.read(
      (c) =>
        this.rows<StoredRow>(
          c,
          sql`SELECT ${ROW_COLUMNS} FROM ${this.events} WHERE seq > ${afterSequence} ${filterSql(filter)}
               ORDER BY seq LIMIT ${limit}`,
        ),
      signal,
    );
    const items = rows.map(toItem);
    const next = items.length === limit ? encodeCursor(items[items.length - 1].sequence) : null;
    return { totalCount: items.length, items, continuationToken: next, nextCursor: next };
  }

  /**
   * Writes every row matching the filter into `out`, up to the chain head as it stood when the export
   * began, and ends it. `begin` is called once a connection of the read pool is had, before anything
   * is written (so that a full pool can still be answered with 503). PostgreSQL renders the lines and
   * one COPY hands them over as bytes, which go out as they come: memory stays flat however large the
   * log is, and a slow reader slows the COPY down. If `out` goes away first, the COPY's connection is
   * closed, which stops it at once.
   */
  async export(
    filter: AuditFilter,
    format: 'ndjson' | 'csv',
    out: Writable,
    { begin, signal }: { begin: () => void; signal?: AbortSignal },
  ): Promise<number> {
    const line = format === 'csv' ? CSV_LINE : NDJSON_LINE;
    // COPY takes no parameters: the filter's values, checked by toAuditFilter, go in as quoted literals.
    const where = filterSql(filter, (value) => raw(escapeLiteral(value)));
    const { text, values } = sql`COPY (SELECT ${raw(line)} FROM ${exportSource(this.schema)[format]}
        WHERE seq <= (SELECT seq FROM ${table(this.schema, 'chain_head')}) ${where} ORDER BY seq)
      TO STDOUT (FORMAT binary)`.toQuery();
    if (values.length > 0) throw new Error('COPY takes no parameters');
    return this.read(async (client) => {
      begin();
      const copy = client.query(new CopyOut(text));
      // The connection goes back to the pool only once the COPY is over: idle again, or closed.
      const [piped] = await Promise.allSettled([pipeline(copy, out), once(copy, 'close')]);
      if (piped.status === 'rejected') throw piped.reason;
      return copy.rows;
    }, signal);
  }

  /**
   * Recomputes the whole chain (U-02) in one COPY in sequence order (chain-verify.ts), up to its head or the latest signed
   * checkpoint, whichever is further, and checks it against that checkpoint (U-07). An auditor may
   * bring a checkpoint it kept (`kept`, already checked against the key): then that one is used.
   */
  async verify(signal?: AbortSignal, kept?: Checkpoint): Promise<Verification> {
    const checkpoint = kept ?? (await this.checkpoints.latest());
    const anchor = checkpoint && { sequence: checkpoint.sequence, hash: Buffer.from(checkpoint.hash, 'hex') };
    const result = await this.read(async (c): Promise<ChainBreak> => {
      const [head] = await this.rows<{ seq: string; hash: Buffer }>(
        c,
        sql`SELECT seq, hash FROM ${table(this.schema, 'chain_head')}`,
      );
      const at: ChainPoint = { sequence: Number(head.seq), hash: head.hash };
      const upTo = Math.max(at.sequence, anchor?.sequence ?? 0);
      const verifier = new ChainVerifier(anchor);
      // A break found before the end leaves the COPY unfinished: throwing has the read pool close the connection.
      if (!(await feedChain(c, this.schema, upTo, verifier))) throw new ChainBroken(verifier, at);
      return verifier.finish(at);
    }, signal).catch((error: unknown) => {
      if (error instanceof ChainBroken) return error.verifier.finish(error.head);
      throw error;
    });
    const vouched = checkpoint && {
      sequence: checkpoint.sequence,
      hash: checkpoint.hash,
      at: checkpoint.at,
      keyId: checkpoint.keyId,
    };
    return { ...result, checkpoint: vouched };
  }

  /**
   * U-04: every acceptance, relationship and decision of one customer, grouped, in log order; and each enhanced
   * attestation's life and evidence (E-03, E-07), read from those acceptances.
   */
  async evidence(customerTenantId: string, scope: AuditFilter, signal?: AbortSignal) {
    const topics = [Topics.AgreementsAcceptance, Topics.PartnersRelationships, Topics.OrdersDecided];
    const rows = await this.read(
      (c) =>
        this.rows<StoredRow>(
          c,
          sql`SELECT ${ROW_COLUMNS} FROM ${this.events}
               WHERE customer_tenant_id = ${customerTenantId} AND topic = ANY(${topics}) AND invalid_reason IS NULL
                 ${filterSql({ partnerId: scope.partnerId })}
               ORDER BY seq LIMIT ${raw(String(MAX_PACKET_ROWS + 1))}`,
        ),
      signal,
    );
    const truncated = rows.length > MAX_PACKET_ROWS;
    const items = rows.slice(0, MAX_PACKET_ROWS).map(toItem);
    const on = (topic: string) => items.filter((i) => i.topic === topic);
    return {
      customerTenantId,
      generatedAt: new Date().toISOString(),
      acceptances: on(Topics.AgreementsAcceptance),
      enhancedAttestations: enhancedAttestationTrails(on(Topics.AgreementsAcceptance)),
      relationships: on(Topics.PartnersRelationships),
      decisions: on(Topics.OrdersDecided),
      truncated,
    };
  }

  /** U-05: the decision on an order, its request, the acceptance fact it relied on and the policy. */
  async orderWhy(orderId: string, scope: AuditFilter, signal?: AbortSignal) {
    const scoped = filterSql({ partnerId: scope.partnerId });
    return this.read(async (c) => {
      const rows = await this.rows<StoredRow>(
        c,
        sql`SELECT ${ROW_COLUMNS} FROM ${this.events}
             WHERE order_id = ${orderId} AND topic = ANY(${[Topics.OrdersRequested, Topics.OrdersDecided]})
               AND invalid_reason IS NULL ${scoped}
             ORDER BY seq LIMIT 100`,
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
        const found = await this.rows<StoredRow>(
          c,
          sql`SELECT ${ROW_COLUMNS} FROM ${this.events}
               WHERE topic = ${Topics.AgreementsAcceptance} AND event_id = ${acceptanceEventId} ${scoped}`,
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
    }, signal);
  }
}
