import { Injectable, Logger } from '@nestjs/common';

/** A check passes when it resolves to anything but `false`; it fails by returning false, throwing or taking too long. */
export type ReadinessCheck = () => Promise<boolean | void>;

export type CheckOutcome = 'ok' | 'failed' | 'timed out';

export interface ReadinessReport {
  ready: boolean;
  checks: Record<string, CheckOutcome>;
}

export const READINESS_CHECK_TIMEOUT_MS = 2000;

/** Where a service says what "ready" means for it: its database reachable, its consumers joined, … */
@Injectable()
export class ReadinessRegistry {
  private readonly logger = new Logger(ReadinessRegistry.name);
  private readonly checks = new Map<string, ReadinessCheck>();

  register(name: string, check: ReadinessCheck): void {
    if (this.checks.has(name)) throw new Error(`A readiness check named "${name}" is already registered.`);
    this.checks.set(name, check);
  }

  async check(timeoutMs = READINESS_CHECK_TIMEOUT_MS): Promise<ReadinessReport> {
    const entries = await Promise.all(
      [...this.checks].map(async ([name, check]) => [name, await this.run(name, check, timeoutMs)] as const),
    );
    return {
      ready: entries.every(([, outcome]) => outcome === 'ok'),
      checks: Object.fromEntries(entries),
    };
  }

  private async run(name: string, check: ReadinessCheck, timeoutMs: number): Promise<CheckOutcome> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<CheckOutcome>((resolve) => {
      timer = setTimeout(() => resolve('timed out'), timeoutMs);
    });
    const outcome = (async (): Promise<CheckOutcome> =>
      (await check()) === false ? 'failed' : 'ok')().catch((error: unknown) => {
      this.logger.warn(`Readiness check "${name}" failed`, { error: String(error) });
      return 'failed' as const;
    });
    try {
      return await Promise.race([outcome, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }
}
