import {
  BeforeApplicationShutdown,
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
} from '@nestjs/common';
import { randomUUID } from 'crypto';
import { DataSource } from 'typeorm';
import { buildEnvelope, EnhancedAttestationExpiredV1, Topics } from '@app/contracts';
import { OutboxMessage, runSql, SERVICE_SCHEMA, sql, table, TransactionalOutbox } from '@app/messaging';
import { ATTESTATION_SETTINGS, AttestationSettings } from '../config';

/** Rows per transaction: a backlog is worked through in several short ones. */
const BATCH = 200;

interface ExpiringRow {
  id: string;
  partner_id: string;
  customer_tenant_id: string;
  expires_at: Date;
}

/**
 * E-05, E-07: marks pending enhanced attestations past their expiry Expired and emits EnhancedAttestationExpired
 * (expiredAt = the expiry time) in the same transaction, every ATTESTATION_EXPIRY_SWEEP_MS, even if nobody looks.
 * Several instances may sweep at once: each claims its rows FOR UPDATE SKIP LOCKED and re-checks the status, so
 * every attestation expires once. Reads already show a pending row past its expiry as Expired (effectiveStatus).
 */
@Injectable()
export class EnhancedExpirySweep implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(EnhancedExpirySweep.name);
  private timer?: NodeJS.Timeout;
  /** One sweep at a time per instance. */
  private running: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly dataSource: DataSource,
    private readonly outbox: TransactionalOutbox,
    @Inject(ATTESTATION_SETTINGS) private readonly settings: AttestationSettings,
    @Inject(SERVICE_SCHEMA) private readonly schema: string,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => void this.sweep(), this.settings.expirySweepMs);
    this.timer.unref();
  }

  async beforeApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }

  /** One sweep: how many attestations it expired. Errors are logged, never thrown (the next sweep retries). */
  sweep(now = new Date()): Promise<number> {
    const next = this.running.then(() => this.sweepAll(now));
    this.running = next.catch(() => undefined);
    return next.catch((error: Error) => {
      this.logger.warn(`enhanced attestation expiry sweep failed: ${error.message}`);
      return 0;
    });
  }

  private async sweepAll(now: Date): Promise<number> {
    let total = 0;
    for (;;) {
      const expired = await this.sweepBatch(now);
      total += expired;
      if (expired < BATCH) return total;
    }
  }

  private async sweepBatch(now: Date): Promise<number> {
    const enhanced = table(this.schema, 'enhanced_attestations');
    return this.dataSource.transaction(async (manager) => {
      const rows: ExpiringRow[] = await runSql(
        manager,
        sql`SELECT id, partner_id, customer_tenant_id, expires_at FROM ${enhanced}
             WHERE status = 'Pending' AND expires_at <= ${now.toISOString()}
             ORDER BY expires_at LIMIT ${BATCH} FOR UPDATE SKIP LOCKED`,
      );
      if (rows.length === 0) return 0;
      await runSql(
        manager,
        sql`UPDATE ${enhanced} SET status = 'Expired', expired_at = expires_at
             WHERE id = ANY(${rows.map((row) => row.id)}::uuid[])`,
      );
      const correlationId = randomUUID();
      const events: OutboxMessage[] = rows.map((row) => {
        const data: EnhancedAttestationExpiredV1 = {
          attestationId: row.id,
          partnerId: row.partner_id,
          customerTenantId: row.customer_tenant_id,
          expiredAt: row.expires_at.toISOString(),
        };
        const envelope = buildEnvelope('EnhancedAttestationExpired', data, {
          producer: 'attestation',
          correlationId,
        });
        return { topic: Topics.AgreementsAcceptance, key: row.customer_tenant_id, envelope };
      });
      await this.outbox.enqueue(manager, events);
      return rows.length;
    });
  }
}
