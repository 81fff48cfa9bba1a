import { Injectable } from '@nestjs/common';
import { OutboxLease, OutboxRelay, OutboxRow } from '@app/messaging';

interface Waiting {
  row: OutboxRow;
  /** The row's outbox seq: the order its statement wrote it in. */
  seq: bigint;
  done: (sent: boolean) => void;
}

/** How many sent event ids are remembered for answers given again, at most. */
const REMEMBER_AT_MOST = 20000;

/**
 * Publishes the AgreementAttested rows that record_legacy_attestation wrote leased to this service's relay
 * as soon as their statements committed (OutboxRelay.sendNow), without a relay round: no claim, no delete on
 * the answer's path. The rows of the requests whose statements came back while a send was under way share the
 * next send, in outbox order (a later attestation of a pair is written only after the earlier one committed).
 * A row not sent here (written unleased behind an older row of its key, or left to the relay rounds by a
 * failed send) is waited for with `flush`, as before.
 */
@Injectable()
export class LegacyPublication {
  private waiting: Waiting[] = [];
  private sending = false;
  private scheduled = false;
  /** Ids sent here lately: a replay need not wait for their rows' deletion (A-13). */
  private readonly sent = new Set<string>();

  constructor(private readonly relay: OutboxRelay) {}

  /** The lease the statement writes rows under. */
  get lease(): OutboxLease {
    return this.relay.lease;
  }

  /** True once the row is on its topic; false when that is not confirmed in time (it is published later). */
  async published(row: OutboxRow, seq: bigint | null): Promise<boolean> {
    if (row.leased && seq !== null) {
      const sent = await new Promise<boolean>((done) => {
        this.waiting.push({ row, seq, done });
        this.schedule();
      });
      if (sent) return true;
    }
    return this.relay.flush([row.id]);
  }

  /** The ids among these that were sent here lately. */
  sentLately(ids: readonly string[]): Set<string> {
    return new Set(ids.filter((id) => this.sent.has(id)));
  }

  private schedule(): void {
    if (this.sending || this.scheduled) return;
    this.scheduled = true;
    // After the I/O callbacks of this turn: every answer that came back with it joins the send.
    setImmediate(() => {
      this.scheduled = false;
      void this.sendWaiting();
    });
  }

  private async sendWaiting(): Promise<void> {
    if (this.sending || this.waiting.length === 0) return;
    this.sending = true;
    const batch = this.waiting.sort((a, b) => (a.seq < b.seq ? -1 : a.seq > b.seq ? 1 : 0));
    this.waiting = [];
    let sent = false;
    try {
      sent = await this.relay.sendNow(batch.map((w) => w.row));
    } finally {
      this.sending = false;
      if (sent) this.remember(batch.map((w) => w.row.id));
      for (const w of batch) w.done(sent);
      if (this.waiting.length > 0) this.schedule();
    }
  }

  private remember(ids: readonly string[]): void {
    if (this.sent.size + ids.length > REMEMBER_AT_MOST) this.sent.clear();
    for (const id of ids) this.sent.add(id);
  }
}
