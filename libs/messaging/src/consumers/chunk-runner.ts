/**
 * Applies a fetched batch a chunk at a time (`batches` and `statement-batches` deliveries): up to `size`
 * messages as one effect, with the same semantics per chunk as one by one. Invalid messages are refused first;
 * a transient failure retries the chunk; any other failure rolls it back and replays it one message at a time,
 * so that only the bad message is dead-lettered and the others are applied.
 */
import { ChunkAbandonedError, RejectedMessageError, isTransientError } from '../errors';
import { errText } from '../outbox-relay';
import { Accepted, CheckedChunks } from './checked-handlers';
import { InboundMessage } from './consumer-spec';
import { OneByOneRunner } from './one-by-one-runner';
import { PartitionMerger } from './partition-merger';
import { backOff, watchedContext } from './retries';
import { DeliveryRunner, RunnerParts } from './runner-parts';

const DEFAULT_CHUNK_SIZE = 500;

export class ChunkRunner implements DeliveryRunner {
  readonly sliceSize: number;
  private readonly merger?: PartitionMerger;

  constructor(
    private readonly parts: RunnerParts,
    private readonly chunks: CheckedChunks,
    private readonly oneByOne: OneByOneRunner,
  ) {
    this.sliceSize = Math.max(1, chunks.settings.size ?? DEFAULT_CHUNK_SIZE);
    if (chunks.settings.mergePartitions) this.merger = new PartitionMerger((m, h) => this.applyChunk(m, h));
  }

  apply(messages: InboundMessage[], heartbeat: () => Promise<void>): Promise<void> {
    return this.merger ? this.merger.submit(messages, heartbeat) : this.applyChunk(messages, heartbeat);
  }

  private async applyChunk(messages: InboundMessage[], heartbeat: () => Promise<void>): Promise<void> {
    const { handlers, effects, afterCommit, logger } = this.parts;
    const { context, membershipLost } = watchedContext(heartbeat, () => this.parts.isStopped());
    let prepared = this.startPrepare();
    const accepted: Accepted[] = [];
    for (const message of messages) {
      const checked = handlers.check(message);
      if ('reason' in checked) await this.oneByOne.refuse(message, checked.reason, heartbeat);
      else accepted.push(checked);
    }
    if (accepted.length === 0) return;
    for (let attempt = 1; ; attempt++) {
      try {
        if (attempt > 1) prepared = this.startPrepare();
        const published = await effects.apply(accepted, (fresh, manager) =>
          this.chunks.handleBatch(fresh, manager, prepared, context),
        );
        await afterCommit.committed(published);
        return;
      } catch (err) {
        if (membershipLost() || err instanceof ChunkAbandonedError) throw err;
        if (!isTransientError(err) || err instanceof RejectedMessageError) {
          const first = accepted[0].message;
          logger.warn(
            `${first.topic}[${first.partition}] chunk of ${accepted.length} from @${first.offset} failed, applying it one by one: ${errText(err)}`,
          );
          for (const one of accepted) await this.oneByOne.applyAccepted(one, heartbeat);
          return;
        }
        if (this.parts.isStopped()) throw err;
        logger.warn(`chunk of ${accepted.length} failed (attempt ${attempt}, transient): ${errText(err)}`);
        await backOff(attempt, heartbeat);
      }
    }
  }

  /** The delivery's `prepare`, started now (a rejection nobody awaits is not an unhandled one). */
  private startPrepare(): Promise<unknown> | undefined {
    const prepared = this.chunks.settings.prepare?.();
    prepared?.catch(() => undefined);
    return prepared;
  }
}
