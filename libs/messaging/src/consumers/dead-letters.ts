/**
 * Copies a message that cannot be applied to `<topic>.dlq`, with the reason and where it came from, so the
 * consumer can commit its offset and go on: it never loops on a bad message, and nothing is dropped unseen.
 */
import { Logger } from '@nestjs/common';
import { Producer } from 'kafkajs';
import { DLQ_HEADERS, dlqTopicOf } from '@app/contracts';
import { errText } from '../outbox-relay';
import { InboundMessage } from './consumer-spec';
import { sleep } from './retries';

export class DeadLetters {
  constructor(
    private readonly producer: Producer,
    private readonly logger: Logger,
    private readonly isStopped: () => boolean,
    private readonly onDeadLetter?: (topic: string, reason: string) => void,
  ) {}

  /** Retries until the copy is on the topic: the offset must not move past a message neither applied nor copied. */
  async send(message: InboundMessage, reason: string): Promise<void> {
    const dlq = dlqTopicOf(message.topic);
    this.logger.warn(
      `dead-lettering ${message.topic}[${message.partition}]@${message.offset} to ${dlq}: ${reason}`,
    );
    for (let attempt = 1; ; attempt++) {
      try {
        await this.producer.send({
          topic: dlq,
          acks: -1,
          messages: [
            {
              key: message.key,
              value: message.value,
              headers: {
                ...message.headers,
                [DLQ_HEADERS.reason]: reason,
                [DLQ_HEADERS.sourceTopic]: message.topic,
                [DLQ_HEADERS.sourcePartition]: String(message.partition),
                [DLQ_HEADERS.sourceOffset]: message.offset,
              },
            },
          ],
        });
        this.onDeadLetter?.(message.topic, reason);
        return;
      } catch (err) {
        if (this.isStopped()) throw err;
        this.logger.error(`could not publish to ${dlq} (attempt ${attempt}): ${errText(err)}`);
        await sleep(Math.min(5000, 100 * 2 ** Math.min(attempt, 6)));
      }
    }
  }
}
