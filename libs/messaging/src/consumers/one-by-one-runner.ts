/**
 * Applies messages one at a time: validate, then the handler's effect with its records, then publish on
 * commit. A message that fails validation gets the spec's `onInvalid` effect, if any, and goes to
 * `<topic>.dlq`; one the handler rejects, or that keeps failing, goes there too. A transient failure (database
 * or broker away) is retried with backoff, never dead-lettered. The chunk runner replays a failed chunk here.
 */
import { ChunkAbandonedError, RejectedMessageError, isTransientError } from '../errors';
import { errText } from '../outbox-relay';
import { Accepted } from './checked-handlers';
import { InboundMessage } from './consumer-spec';
import { backOff, watchedContext } from './retries';
import { DeliveryRunner, RunnerParts } from './runner-parts';

export class OneByOneRunner implements DeliveryRunner {
  readonly sliceSize = 1;

  constructor(private readonly parts: RunnerParts) {}

  async apply(messages: InboundMessage[], heartbeat: () => Promise<void>): Promise<void> {
    for (const message of messages) {
      const checked = this.parts.handlers.check(message);
      if ('reason' in checked) await this.refuse(message, checked.reason, heartbeat);
      else await this.applyAccepted(checked, heartbeat);
    }
  }

  /** A message that failed validation: the spec's `onInvalid` effect, if any, then the dead letter. */
  async refuse(message: InboundMessage, reason: string, heartbeat: () => Promise<void>): Promise<void> {
    const { handlers, effects, afterCommit, maxAttempts, logger } = this.parts;
    const onInvalid = handlers.onInvalid;
    for (let attempt = 1; onInvalid; attempt++) {
      try {
        await afterCommit.committed(await effects.run((manager) => onInvalid(message, reason, manager)));
        break;
      } catch (err) {
        if (!isTransientError(err) && attempt >= maxAttempts) {
          logger.error(
            `${where(message)}: onInvalid failed after ${attempt} attempts, dead-lettering only: ${errText(err)}`,
          );
          break;
        }
        if (this.parts.isStopped()) throw err;
        await backOff(attempt, heartbeat);
      }
    }
    await this.parts.deadLetters.send(message, reason);
  }

  /** Applies one valid message, retrying as its failure allows, else dead-letters it. */
  async applyAccepted(accepted: Accepted, heartbeat: () => Promise<void>): Promise<void> {
    const { handlers, effects, afterCommit, deadLetters, maxAttempts, logger } = this.parts;
    const { message } = accepted;
    const { context, membershipLost } = watchedContext(heartbeat, () => this.parts.isStopped());
    for (let attempt = 1; ; attempt++) {
      try {
        const published = await effects.apply([accepted], ([fresh], manager) =>
          handlers.handle(fresh, manager, context),
        );
        await afterCommit.committed(published);
        return;
      } catch (err) {
        if (membershipLost() || err instanceof ChunkAbandonedError) throw err;
        if (err instanceof RejectedMessageError) return deadLetters.send(message, `rejected: ${err.message}`);
        const transient = isTransientError(err);
        if (!transient && attempt >= maxAttempts)
          return deadLetters.send(message, `handler failed after ${attempt} attempts: ${errText(err)}`);
        if (this.parts.isStopped()) throw err;
        logger.warn(
          `${where(message)} failed (attempt ${attempt}, ${transient ? 'transient' : 'will dead-letter after ' + maxAttempts}): ${errText(err)}`,
        );
        await backOff(attempt, heartbeat);
      }
    }
  }
}

function where(message: InboundMessage): string {
  return `${message.topic}[${message.partition}]@${message.offset}`;
}
