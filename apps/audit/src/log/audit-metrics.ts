import { Inject, Injectable, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { runSql, SERVICE_SCHEMA, sql, table } from '@app/messaging';
import { processGauge, scrapedGauges } from '@app/platform';

const chainHead = scrapedGauges.gauge(
  'audit_chain_head_sequence',
  'Sequence of the last event appended to the audit hash chain (read from the database at scrape time).',
  ['service'],
);

const lastVerifyOk = processGauge(
  'audit_chain_verify_ok',
  'Result of the last chain verification this instance ran (GET /v1/audit/verify, U-02): 1 intact, 0 broken.',
);

const lastVerifyAt = processGauge(
  'audit_chain_last_verify_timestamp_seconds',
  'When this instance last finished a chain verification (Unix time).',
);

/** Records a finished verification; returns it unchanged. */
export function observeVerification<T extends { ok: boolean }>(result: T): T {
  lastVerifyOk.set(result.ok ? 1 : 0);
  lastVerifyAt.set(Date.now() / 1000);
  return result;
}

/** Reads the chain's head when /metrics is scraped. */
@Injectable()
export class AuditChainMetrics implements OnModuleInit, OnModuleDestroy {
  private stop?: () => void;

  constructor(
    private readonly dataSource: DataSource,
    @Inject(SERVICE_SCHEMA) private readonly schema: string,
  ) {}

  onModuleInit(): void {
    this.stop = scrapedGauges.add(async () => {
      const [head] = await runSql<Array<{ seq: string }>>(
        this.dataSource,
        sql`SELECT seq FROM ${table(this.schema, 'chain_head')}`,
      );
      if (head) chainHead.set({ service: 'audit' }, Number(head.seq));
    });
  }

  onModuleDestroy(): void {
    this.stop?.();
  }
}
