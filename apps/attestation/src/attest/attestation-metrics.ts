import { Inject, Injectable, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { Counter } from 'prom-client';
import { DataSource } from 'typeorm';
import { runSql, SERVICE_SCHEMA, sql, table } from '@app/messaging';
import { ApiError, metricsRegistry, scrapedGauges, singleMetric } from '@app/platform';

const attestations = singleMetric(
  'attestations_total',
  () =>
    new Counter({
      name: 'attestations_total',
      help: 'Attestation requests (POST /v1/customers/{id}/agreements, attest or finalize) by outcome (recorded, repeated, refused) and error code (Partner Center code of a refusal, else none).',
      labelNames: ['outcome', 'error_code'] as const,
      registers: [metricsRegistry],
    }),
);

/** Counts one attestation request by its answer: 201 recorded, 200 an exact repeat. */
export function countAttestation(status: number): void {
  attestations.inc({ outcome: status === 201 ? 'recorded' : 'repeated', error_code: 'none' });
}

/** Counts a refused attestation request by its error code (a fixed set, docs/contract.md). */
export function countRefusedAttestation(err: unknown): void {
  attestations.inc({
    outcome: 'refused',
    error_code: err instanceof ApiError ? String(err.code) : 'unknown',
  });
}

const STATUSES = ['Pending', 'Accepted', 'Finalized', 'Expired', 'Cancelled'] as const;

const enhancedByStatus = scrapedGauges.gauge(
  'enhanced_attestations',
  'Enhanced attestations by status (read from the database at scrape time; the same for every instance).',
  ['service', 'status'],
);

/** Reads the enhanced attestations by status when /metrics is scraped. */
@Injectable()
export class EnhancedAttestationMetrics implements OnModuleInit, OnModuleDestroy {
  private stop?: () => void;

  constructor(
    private readonly dataSource: DataSource,
    @Inject(SERVICE_SCHEMA) private readonly schema: string,
  ) {}

  onModuleInit(): void {
    this.stop = scrapedGauges.add(async () => {
      const rows = await runSql<Array<{ status: string; n: string }>>(
        this.dataSource,
        sql`SELECT status, count(*) AS n FROM ${table(this.schema, 'enhanced_attestations')} GROUP BY status`,
      );
      const counts = new Map(rows.map((r) => [r.status, Number(r.n)]));
      for (const status of STATUSES)
        enhancedByStatus.set({ service: 'attestation', status }, counts.get(status) ?? 0);
    });
  }

  onModuleDestroy(): void {
    this.stop?.();
  }
}
