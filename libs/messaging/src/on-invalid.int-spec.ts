import { randomUUID } from 'crypto';
import { EntityManager } from 'typeorm';
import { DLQ_HEADERS, dlqTopicOf, Topics } from '@app/contracts';
import { eventually } from '@app/testing';
import { ConsumerRunner, Delivery, ValidatedConsumerSpec, ValidatedMessage } from './consumers';
import { givenMessagingDatabase, SCHEMA, templatePublished } from './messaging.harness';

const DLQ = dlqTopicOf(Topics.AgreementsTemplates);

describe("a validated consumer's onInvalid effect (G-14's hook), against the real broker and database", () => {
  const bed = givenMessagingDatabase('messaging_on_invalid', [DLQ]);
  let running: ConsumerRunner | undefined;

  beforeAll(async () => {
    await bed.dataSource().query(`CREATE TABLE ${SCHEMA}.effects (key text, what text)`);
  });

  const effects = async (key: string) =>
    (
      await bed.dataSource().query(`SELECT what FROM ${SCHEMA}.effects WHERE key = $1 ORDER BY what`, [key])
    ).map((r: { what: string }) => r.what);
  const record = (key: string, what: string) =>
    bed.dataSource().query(`INSERT INTO ${SCHEMA}.effects (key, what) VALUES ($1, $2)`, [key, what]);

  async function started(spec: Omit<ValidatedConsumerSpec, 'input' | 'topics'>): Promise<ConsumerRunner> {
    // One runner at a time: each test's handler records every message of the topic.
    await running?.stop();
    running = await bed.startedRunner(
      { ...spec, input: 'validated', topics: [Topics.AgreementsTemplates] },
      { maxAttempts: 2 },
    );
    return running;
  }

  const handled = async ({ envelope, key }: ValidatedMessage, manager: EntityManager) =>
    manager.query(`INSERT INTO ${SCHEMA}.effects (key, what) VALUES ($1, $2)`, [
      key,
      `handled ${(envelope.data as { templateId: string }).templateId}`,
    ]);
  const deliveries: Array<[string, Delivery<ValidatedMessage>]> = [
    ['one by one', { kind: 'one-by-one' }],
    [
      'in chunks',
      {
        kind: 'batches',
        handleBatch: async (messages, manager) => {
          for (const message of messages) await handled(message, manager);
        },
      },
    ],
    [
      'in statements',
      {
        kind: 'statement-batches',
        handleBatch: async (messages, manager) => {
          for (const message of messages) await handled(message, manager);
        },
      },
    ],
  ];

  it.each(deliveries)(
    'G-14: %s, an invalid message gets its onInvalid effect and its .dlq copy; the valid ones their handler',
    async (_, delivery) => {
      const key = randomUUID();
      await started({
        name: `on-invalid-${delivery.kind}`,
        delivery,
        handle: async (message, manager) => {
          await handled(message, manager);
        },
        onInvalid: async (message, reason, manager) => {
          if (message.key !== key) return;
          await manager.query(`INSERT INTO ${SCHEMA}.effects (key, what) VALUES ($1, $2)`, [
            message.key,
            `refused: ${reason}`,
          ]);
        },
      });
      const bad = { ...templatePublished('not-a-guid'), eventId: randomUUID() };
      await bed.sendTemplates(key, [bad, templatePublished('7e0b1a2c-3d4e-4f5a-8b6c-7d8e9f0a1b2c')]);

      await eventually(async () =>
        expect(await effects(key)).toEqual([
          'handled 7e0b1a2c-3d4e-4f5a-8b6c-7d8e9f0a1b2c',
          expect.stringMatching(/^refused: data\.templateId must be a UUID/),
        ]),
      );
      await eventually(() => {
        const copies = bed
          .recorder()
          .on(DLQ)
          .filter((m) => m.json?.eventId === bad.eventId);
        expect(copies.length).toBeGreaterThan(0);
        expect(copies[0].headers[DLQ_HEADERS.reason]).toContain('data.templateId must be a UUID');
      });
    },
  );

  it('G-14: a message whose onInvalid effect keeps failing is dead-lettered all the same, and the consumer goes on', async () => {
    const key = randomUUID();
    await started({
      name: 'on-invalid-failing',
      delivery: { kind: 'one-by-one' },
      handle: async ({ key: k }) => {
        await record(k!, 'handled');
      },
      onInvalid: async (message) => {
        if (message.key === key) throw new Error('cannot record this one');
      },
    });
    const bad = { ...templatePublished('not-a-guid'), eventId: randomUUID() };
    await bed.sendTemplates(key, [bad, templatePublished()]);
    await eventually(async () => expect(await effects(key)).toEqual(['handled']));
    await eventually(() =>
      expect(
        bed
          .recorder()
          .on(DLQ)
          .filter((m) => m.json?.eventId === bad.eventId).length,
      ).toBeGreaterThan(0),
    );
  });
});
