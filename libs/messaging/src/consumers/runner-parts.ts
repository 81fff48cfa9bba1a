/**
 * The interface both runners (one by one, in chunks) present to the consumer group, and the parts they share,
 * built once per consumer from its spec and options.
 */
import { Logger } from '@nestjs/common';
import { CheckedHandlers } from './checked-handlers';
import { InboundMessage } from './consumer-spec';
import { DeadLetters } from './dead-letters';
import { Effects } from './effects';
import { PublishOnCommit } from './publish-on-commit';

/** Applies the messages of a fetched batch, a slice at a time. */
export interface DeliveryRunner {
  /** How many messages of one partition's fetched batch go in one slice. */
  readonly sliceSize: number;
  /** Resolves once every message of the slice is applied or dead-lettered, and its effect committed. */
  apply(messages: InboundMessage[], heartbeat: () => Promise<void>): Promise<void>;
}

export interface RunnerParts {
  readonly logger: Logger;
  readonly handlers: CheckedHandlers;
  readonly effects: Effects;
  readonly afterCommit: PublishOnCommit;
  readonly deadLetters: DeadLetters;
  /** Non-transient failures are retried this many times before the message is dead-lettered. */
  readonly maxAttempts: number;
  /** True once the consumer is stopping: a failure is then thrown rather than waited out. */
  isStopped(): boolean;
}
