interface Waiter {
  pending: Set<string>;
  resolve: (published: boolean) => void;
  timer: NodeJS.Timeout;
}

/** Callers of `OutboxRelay.flush`, each waiting until its events are published or its time is up. */
export class PublicationWaiters {
  private readonly waiters = new Set<Waiter>();

  get size(): number {
    return this.waiters.size;
  }

  /**
   * Resolves true once every event is marked published; at `timeoutMs`, `lastLook` may still mark
   * some, then it resolves with what it knows.
   */
  add(eventIds: readonly string[], timeoutMs: number, lastLook: () => Promise<void>): Promise<boolean> {
    return new Promise<boolean>((resolve) => {
      const waiter: Waiter = {
        pending: new Set(eventIds),
        resolve,
        timer: setTimeout(() => void this.expire(waiter, lastLook), timeoutMs),
      };
      this.waiters.add(waiter);
    });
  }

  markPublished(ids: readonly string[]): void {
    for (const waiter of this.waiters) {
      for (const id of ids) waiter.pending.delete(id);
      if (waiter.pending.size === 0) this.settle(waiter, true);
    }
  }

  /** Every event some caller still waits for. */
  pendingIds(): string[] {
    const ids = new Set<string>();
    for (const waiter of this.waiters) for (const id of waiter.pending) ids.add(id);
    return [...ids];
  }

  /** Answers every caller that its events are not confirmed (the relay stops). */
  giveUpAll(): void {
    for (const waiter of this.waiters) this.settle(waiter, false);
  }

  private async expire(waiter: Waiter, lastLook: () => Promise<void>): Promise<void> {
    if (!this.waiters.has(waiter)) return;
    await lastLook();
    if (this.waiters.has(waiter)) this.settle(waiter, false);
  }

  private settle(waiter: Waiter, published: boolean): void {
    clearTimeout(waiter.timer);
    this.waiters.delete(waiter);
    waiter.resolve(published);
  }
}
