/**
 * Gathers the chunks that kafkajs hands over for the partitions of one fetch (it starts every partition's batch
 * at once, in the same turn of the event loop) into one chunk, so that a fetch costs one effect, not one per
 * partition. Each partition's messages stay in offset order; chunks that arrive while one is applied are
 * gathered for the next.
 */
import { InboundMessage } from './consumer-spec';

interface Waiting {
  messages: InboundMessage[];
  heartbeat: () => Promise<void>;
  resolve: () => void;
  reject: (err: unknown) => void;
}

export class PartitionMerger {
  private readonly queue: Waiting[] = [];
  private merging = false;

  constructor(
    private readonly applyChunk: (
      messages: InboundMessage[],
      heartbeat: () => Promise<void>,
    ) => Promise<void>,
  ) {}

  /** Resolves (or fails) with the merged chunk this one was applied in. */
  submit(messages: InboundMessage[], heartbeat: () => Promise<void>): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ messages, heartbeat, resolve, reject });
      if (!this.merging) {
        this.merging = true;
        setImmediate(() => void this.drain());
      }
    });
  }

  private async drain(): Promise<void> {
    try {
      while (this.queue.length > 0) {
        const taken = this.queue.splice(0, this.queue.length);
        try {
          await this.applyChunk(
            taken.flatMap((t) => t.messages),
            taken[0].heartbeat,
          );
          taken.forEach((t) => t.resolve());
        } catch (err) {
          taken.forEach((t) => t.reject(err));
        }
      }
    } finally {
      this.merging = false;
    }
  }
}
