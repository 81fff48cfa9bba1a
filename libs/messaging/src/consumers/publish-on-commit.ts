/**
 * After an effect committed: publishes the outbox rows its handler returned (written under the relay's lease),
 * or wakes the relay for whatever it wrote. The sends run behind the consumer, in commit order, so the next
 * fetch need not wait for them.
 */
import { OutboxRow } from '../outbox';

export class PublishOnCommit {
  private publishing: Promise<void> = Promise.resolve();
  private pending = 0;

  constructor(
    /** Publishes rows right after their commit; must not throw. Absent: every commit only wakes the relay. */
    private readonly publishNow: ((rows: readonly OutboxRow[]) => Promise<void>) | undefined,
    private readonly onApplied: (() => void) | undefined,
  ) {}

  /** Queues the send; waits only when two are already queued, so a slow broker slows the consumer down. */
  async committed(rows: readonly OutboxRow[]): Promise<void> {
    const publishNow = this.publishNow;
    if (rows.length === 0 || !publishNow) {
      this.onApplied?.();
      return;
    }
    this.pending++;
    this.publishing = this.publishing.then(() => publishNow(rows)).finally(() => this.pending--);
    if (this.pending > 2) await this.publishing;
  }

  /** Resolves once every queued send is done (at stop). */
  settled(): Promise<void> {
    return this.publishing;
  }
}
