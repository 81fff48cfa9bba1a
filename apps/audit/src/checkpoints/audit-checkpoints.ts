import {
  BeforeApplicationShutdown,
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
} from '@nestjs/common';
import { DataSource } from 'typeorm';
import { runSql, SERVICE_SCHEMA, sql, table } from '@app/messaging';
import type { AuditConfig } from '../audit-config';
import { Checkpoint, checkpointVerifies, signCheckpoint } from './checkpoint';

export const AUDIT_CONFIG = 'AUDIT_CONFIG';

interface CheckpointRow {
  seq: string;
  hash: Buffer;
  at: Date;
  key_id: string;
  signature: Buffer;
}

const fromRow = (r: CheckpointRow): Checkpoint => ({
  sequence: Number(r.seq),
  hash: r.hash.toString('hex'),
  at: r.at.toISOString(),
  keyId: r.key_id,
  signature: r.signature.toString('base64'),
});

const PAGE = 100;

/**
 * U-07: signs a checkpoint of the chain head when the service starts, at every interval (when the
 * head has moved) and when it stops. Each checkpoint is stored (public data), written to the log as
 * a JSON line, and kept in memory: deleting the stored ones does not blind the running service.
 */
@Injectable()
export class AuditCheckpoints implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('AuditCheckpoints');
  private timer?: NodeJS.Timeout;
  private lastSigned: Checkpoint | null = null;
  /** One signing at a time: the interval and the shutdown may meet. */
  private signing: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly dataSource: DataSource,
    @Inject(AUDIT_CONFIG) private readonly config: AuditConfig,
    @Inject(SERVICE_SCHEMA) private readonly schema: string,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    // A log that no longer extends its checkpoints is still kept and served: verify says where it broke.
    await this.sign().catch((error: Error) =>
      this.logger.error(`could not sign a checkpoint: ${error.message}`),
    );
    this.timer = setInterval(() => {
      this.sign().catch((error: Error) => this.logger.error(`could not sign a checkpoint: ${error.message}`));
    }, this.config.checkpointIntervalMs);
    this.timer.unref();
  }

  async beforeApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.sign().catch((error: Error) =>
      this.logger.error(`could not sign the last checkpoint: ${error.message}`),
    );
  }

  /**
   * Signs the chain head as it stands, unless the latest checkpoint already has it. It refuses to vouch
   * for a log that no longer extends the latest checkpoint (a head moved back, or a row at the
   * checkpoint's sequence whose hash changed, as a recomputed chain's does): verify reports those.
   */
  sign(): Promise<Checkpoint> {
    const next = this.signing.then(() => this.signNow());
    this.signing = next.catch(() => undefined);
    return next;
  }

  private async signNow(): Promise<Checkpoint> {
    const [head]: Array<{ seq: string; hash: Buffer }> = await runSql(
      this.dataSource,
      sql`SELECT seq, hash FROM ${table(this.schema, 'chain_head')}`,
    );
    const sequence = Number(head.seq);
    const hash = head.hash.toString('hex');
    const previous = await this.latest();
    if (previous !== null) {
      if (previous.sequence === sequence && previous.hash === hash) return previous;
      if (sequence < previous.sequence) {
        throw new Error(
          `not signing: the chain head (${sequence}) is behind the latest signed checkpoint (${previous.sequence})`,
        );
      }
      if (previous.sequence > 0) {
        const [row]: Array<{ hash: Buffer }> = await runSql(
          this.dataSource,
          sql`SELECT hash FROM ${table(this.schema, 'events')} WHERE seq = ${previous.sequence}`,
        );
        if (row?.hash.toString('hex') !== previous.hash) {
          throw new Error(
            `not signing: the log no longer holds the hash of the latest signed checkpoint at ${previous.sequence}`,
          );
        }
      }
    }
    const checkpoint = signCheckpoint({ sequence, hash: head.hash }, new Date(), this.config);
    await runSql(
      this.dataSource,
      sql`INSERT INTO ${table(this.schema, 'checkpoints')} (seq, hash, at, key_id, signature)
          VALUES (${checkpoint.sequence}, ${head.hash}, ${checkpoint.at}, ${checkpoint.keyId},
                  ${Buffer.from(checkpoint.signature, 'base64')})`,
    );
    this.lastSigned = checkpoint;
    this.logger.log('audit checkpoint signed', { checkpoint });
    return checkpoint;
  }

  /**
   * The checkpoint with the highest sequence whose signature verifies with the configured key: the
   * stored ones (anything else stored under this key id is skipped) and the last one signed here.
   */
  async latest(): Promise<Checkpoint | null> {
    let found: Checkpoint | null = null;
    for (let offset = 0; found === null; offset += PAGE) {
      const rows: CheckpointRow[] = await runSql(
        this.dataSource,
        sql`SELECT seq, hash, at, key_id, signature FROM ${table(this.schema, 'checkpoints')}
             WHERE key_id = ${this.config.keyId}
             ORDER BY seq DESC, id DESC LIMIT ${PAGE} OFFSET ${offset}`,
      );
      found = rows.map(fromRow).find((c) => checkpointVerifies(c, this.config.publicKey)) ?? null;
      if (rows.length < PAGE) break;
    }
    const mine = this.lastSigned;
    return mine !== null && (found === null || mine.sequence > found.sequence) ? mine : found;
  }
}
