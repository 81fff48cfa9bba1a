import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { ident, runSql, SERVICE_SCHEMA, sql } from '@app/messaging';
import { sqlStateOf } from '@app/platform';
import { StoredRequest } from '../idempotency/idempotent-requests';
import { LegacyPublication } from './legacy-publication';

/** One legacy attestation's write: the arguments of record_legacy_attestation (see its migration). */
export interface LegacyWrite {
  partnerId: string;
  requestId: string | null;
  fingerprint: string;
  lockKey: string;
  customerTenantId: string;
  agreementType: string;
  /** The current attestation the request was judged against, if any. */
  seenCurrent: string | null;
  /** The 200 answer when the request repeats `seenCurrent` exactly; else null. */
  repeatBody: string | null;
  id: string;
  templateId: string;
  dateAgreed: string;
  userId: string;
  attestedBy: string | null;
  primaryContact: object;
  channel: string;
  /** The 201 answer. */
  body: string;
  eventId: string;
  topic: string;
  key: string;
  eventType: string;
  payload: string;
  headers: Record<string, string>;
}

/** What record_legacy_attestation answered for one write. */
export interface LegacyWriteOutcome extends StoredRequest {
  outcome: 'stored' | 'repeat' | 'recorded';
  leased: boolean;
  /** The outbox row's seq (bigint as text) when written leased; else null. */
  seq: string | null;
}

interface BatchRow extends Omit<LegacyWriteOutcome, 'outcome'> {
  n: number;
  outcome: LegacyWriteOutcome['outcome'] | 'failed';
  error_state: string | null;
  error_message: string | null;
}

interface Waiting {
  write: LegacyWrite;
  resolve: (outcome: LegacyWriteOutcome) => void;
  reject: (error: unknown) => void;
}

/** Statements in flight at once (each holds a pooled connection until it commits). */
const MAX_IN_FLIGHT = 4;
/** Writes in one statement, at most. */
const MAX_BATCH = 64;

/**
 * Group commit of legacy attestations: the writes of concurrent requests go to the database together, in one
 * statement (record_legacy_attestations) and one synchronous commit, each in a subtransaction of its own, so
 * one that fails fails alone. A write waits only while MAX_IN_FLIGHT statements are already under way; every
 * caller is answered after the commit of the statement that holds its write, so after its own record is
 * durable. A failed write rejects with its SQLSTATE (as a pg error would, so S-07's mapping is unchanged).
 */
@Injectable()
export class LegacyWrites {
  private waiting: Waiting[] = [];
  private inFlight = 0;
  private scheduled = false;

  constructor(
    private readonly dataSource: DataSource,
    private readonly publication: LegacyPublication,
    @Inject(SERVICE_SCHEMA) private readonly schema: string,
  ) {}

  write(write: LegacyWrite): Promise<LegacyWriteOutcome> {
    return new Promise((resolve, reject) => {
      this.waiting.push({ write, resolve, reject });
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.scheduled || this.inFlight >= MAX_IN_FLIGHT) return;
    this.scheduled = true;
    // After the I/O callbacks of this turn, so that the writes of requests read together go together.
    setImmediate(() => {
      this.scheduled = false;
      void this.send();
    });
  }

  private async send(): Promise<void> {
    if (this.waiting.length === 0 || this.inFlight >= MAX_IN_FLIGHT) return;
    // In lock-key order: two statements in flight take their locks in the same order (no deadlock).
    const batch = this.waiting.splice(0, MAX_BATCH).sort((a, b) => compare(a.write, b.write));
    this.inFlight++;
    if (this.waiting.length > 0) this.schedule();
    try {
      await this.run(batch);
    } catch (error) {
      // A value the statement's argument could not carry (class 22: a NUL, a lone surrogate) is one write's
      // fault: each is tried alone, so that only that one fails.
      if (batch.length > 1 && sqlStateOf(error)?.startsWith('22'))
        for (const waiting of batch) await this.run([waiting]).catch((e: unknown) => waiting.reject(e));
      else for (const waiting of batch) waiting.reject(error);
    } finally {
      this.inFlight--;
      if (this.waiting.length > 0) this.schedule();
    }
  }

  private async run(batch: readonly Waiting[]): Promise<void> {
    const lease = this.publication.lease;
    const rows: BatchRow[] = await runSql(
      this.dataSource,
      sql`SELECT * FROM ${ident(this.schema, 'record_legacy_attestations')}(
            ${JSON.stringify(batch.map((w) => w.write))}::jsonb, ${lease.owner}::uuid, ${lease.seconds}::int)`,
    );
    for (const row of rows) {
      const waiting = batch[row.n];
      if (row.outcome === 'failed') waiting.reject(databaseError(row.error_state!, row.error_message!));
      else waiting.resolve({ ...row, outcome: row.outcome });
    }
  }
}

function compare(a: LegacyWrite, b: LegacyWrite): number {
  if (a.lockKey !== b.lockKey) return a.lockKey < b.lockKey ? -1 : 1;
  return 0;
}

/** A write's own failure, shaped as pg reports one (code and severity), for sqlStateOf and the exception filter. */
function databaseError(code: string, message: string): Error {
  return Object.assign(new Error(message), { code, severity: 'ERROR' });
}
