import { randomUUID } from 'crypto';
import { Message, Producer, ProducerRecord } from 'kafkajs';
import { DLQ_HEADERS, dlqTopicOf, Topics } from '@app/contracts';
import { eventually } from '@app/testing';
import { ValidatedMessage } from './consumers';
import { RejectedMessageError } from './errors';
import { givenMessagingDatabase, templatePublished } from './messaging.harness';

const DLQ = dlqTopicOf(Topics.AgreementsTemplates);

describe('a consumer applying one message at a time: validation, dedupe and dead letters, against the real broker and database', () => {
  const bed = givenMessagingDatabase('messaging_one_by_one', [DLQ]);
  const applied: ValidatedMessage[] = [];
  const poison = new Set<string>();
  const beforeStart = templatePublished();
  const beforeStartKey = randomUUID();
  const appliedIds = () => applied.map((m) => m.envelope.eventId);
  /**
   * What this runner sent to the .dlq under `key`, as it reached the topic. The services other tests run
   * consume this topic too and dead-letter the same malformed messages, so the copies are told apart by
   * what this runner's producer sent.
   */
  const sentToDlq: Message[] = [];
  const deadLettered = (key: string) => {
    const ours = sentToDlq
      .filter((m) => m.key === key)
      .map((m) => String(m.headers?.[DLQ_HEADERS.sourceOffset]));
    const onTopic = bed
      .recorder()
      .on(DLQ)
      .filter((m) => m.key === key);
    return ours.map((offset) => onTopic.find((m) => m.headers[DLQ_HEADERS.sourceOffset] === offset)!);
  };
  const spyingProducer = (): Producer =>
    ({
      send: (record: ProducerRecord) => {
        if (record.topic === DLQ) sentToDlq.push(...record.messages);
        return bed.producer().send(record);
      },
    }) as unknown as Producer;

  beforeAll(async () => {
    await bed.sendTemplates(beforeStartKey, [beforeStart]);
    await bed.startedRunner(
      {
        name: 'templates-test',
        input: 'validated',
        topics: [Topics.AgreementsTemplates],
        delivery: { kind: 'one-by-one' },
        handle: async (message) => {
          if (poison.has(message.envelope.eventId))
            throw new RejectedMessageError('template cannot be applied');
          applied.push(message);
        },
      },
      { maxAttempts: 2, producer: spyingProducer() },
    );
  });

  it('sends a malformed message to the .dlq with its reason and source, and still processes the next good one', async () => {
    const key = randomUUID();
    const good = templatePublished();
    const invalid = { ...templatePublished(), data: { templateId: 'not-a-guid' } };
    await bed.producer().send({
      topic: Topics.AgreementsTemplates,
      messages: [
        { key, value: '{ this is not json' },
        { key, value: JSON.stringify(invalid), headers: { 'event-id': invalid.eventId } },
        { key, value: JSON.stringify(good) },
      ],
    });

    await eventually(() => expect(appliedIds()).toContain(good.eventId));
    const dead = await eventually(() => {
      const mine = deadLettered(key);
      expect(mine).toHaveLength(2);
      for (const copy of mine) expect(copy).toBeDefined();
      return mine;
    });
    expect(dead[0].value).toBe('{ this is not json');
    expect(dead[0].headers[DLQ_HEADERS.reason]).toMatch(/not valid JSON/);
    expect(dead[0].headers[DLQ_HEADERS.sourceTopic]).toBe(Topics.AgreementsTemplates);
    expect(Number(dead[0].headers[DLQ_HEADERS.sourceOffset])).toBeGreaterThanOrEqual(0);
    expect(dead[0].headers[DLQ_HEADERS.sourcePartition]).toMatch(/^\d+$/);
    expect(dead[1].json.eventId).toBe(invalid.eventId);
    expect(dead[1].headers[DLQ_HEADERS.reason]).toMatch(/templateId/);
    expect(dead[1].headers['event-id']).toBe(invalid.eventId);
  });

  it('starts a new group at the end of its topics when told to (tests see only their own traffic)', async () => {
    // On the partition of the message sent before the start: a group started earlier would have applied it first.
    const marker = templatePublished();
    await bed.sendTemplates(beforeStartKey, [marker]);
    await eventually(() => expect(appliedIds()).toContain(marker.eventId));
    expect(appliedIds()).not.toContain(beforeStart.eventId);
  });

  it('applies a redelivered event once', async () => {
    const event = templatePublished();
    const key = randomUUID();
    await bed.sendTemplates(key, [event]);
    await bed.sendTemplates(key, [event]);
    const marker = templatePublished();
    await bed.sendTemplates(key, [marker]);

    await eventually(() => expect(appliedIds()).toContain(marker.eventId));
    expect(applied.filter((m) => m.envelope.eventId === event.eventId)).toHaveLength(1);
  });

  it('dead-letters a message its handler rejects and goes on', async () => {
    const rejected = templatePublished();
    const after = templatePublished();
    poison.add(rejected.eventId);
    const key = randomUUID();
    await bed.sendTemplates(key, [rejected, after]);

    await eventually(() => expect(appliedIds()).toContain(after.eventId));
    const dead = await eventually(() => {
      const mine = deadLettered(key);
      expect(mine).toHaveLength(1);
      expect(mine[0]).toBeDefined();
      return mine[0];
    });
    expect(dead.headers[DLQ_HEADERS.reason]).toBe('rejected: template cannot be applied');
    expect(appliedIds()).not.toContain(rejected.eventId);
  });
});
