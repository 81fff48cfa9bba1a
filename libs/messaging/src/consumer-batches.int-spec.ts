import { randomUUID } from 'crypto';
import { EntityManager } from 'typeorm';
import { DLQ_HEADERS, dlqTopicOf, Topics } from '@app/contracts';
import { eventually } from '@app/testing';
import { ValidatedMessage } from './consumers';
import { givenMessagingDatabase, SCHEMA, templatePublished } from './messaging.harness';
import { stageEvents } from './outbox';
import { OutboxRelay } from './outbox-relay';

const DLQ = dlqTopicOf(Topics.AgreementsTemplates);

describe('a consumer applying chunks of a fetch (batches delivery), against the real broker and database', () => {
  const bed = givenMessagingDatabase('messaging_batches', [DLQ, Topics.OrdersDecided]);

  describe('one partition per chunk, a failed chunk replayed one by one', () => {
    const batches: string[][] = [];
    const oneByOne: string[] = [];
    const poison = new Set<string>();
    const TABLE = `${SCHEMA}.batch_effects`;

    async function effects(key: string): Promise<string[]> {
      const rows: Array<{ event_id: string }> = await bed
        .dataSource()
        .query(`SELECT event_id FROM ${TABLE} WHERE key = $1 ORDER BY seq`, [key]);
      return rows.map((r) => r.event_id);
    }

    beforeAll(async () => {
      await bed
        .dataSource()
        .query(
          `CREATE TABLE ${TABLE} (seq bigserial PRIMARY KEY, key text NOT NULL, event_id text NOT NULL)`,
        );
      const write = (m: ValidatedMessage, manager: EntityManager) =>
        manager.query(`INSERT INTO ${TABLE} (key, event_id) VALUES ($1, $2)`, [m.key, m.envelope.eventId]);
      await bed.startedRunner(
        {
          name: 'templates-batch-test',
          input: 'validated',
          topics: [Topics.AgreementsTemplates],
          delivery: {
            kind: 'batches',
            trackPositions: true,
            size: 50,
            handleBatch: async (messages, manager) => {
              batches.push(messages.map((m) => m.envelope.eventId));
              // The effects of the good messages are written before the bad one fails the chunk.
              for (const m of messages) {
                if (poison.has(m.envelope.eventId)) throw new Error('constraint the handler did not expect');
                await write(m, manager);
              }
            },
          },
          handle: async (message, manager) => {
            oneByOne.push(message.envelope.eventId);
            if (poison.has(message.envelope.eventId))
              throw new Error('constraint the handler did not expect');
            await write(message, manager);
          },
        },
        { maxAttempts: 2 },
      );
    });

    it('applies a fetched batch a chunk at a time, each chunk in one transaction, redeliveries once', async () => {
      const key = randomUUID();
      const envelopes = Array.from({ length: 120 }, () => templatePublished());
      await bed.sendTemplates(key, [...envelopes, envelopes[0], envelopes[1]]);

      await eventually(async () => expect(await effects(key)).toHaveLength(120));
      const ids = envelopes.map((e) => e.eventId);
      expect(await effects(key)).toEqual(ids);
      const mine = batches.filter((b) => b.some((id) => ids.includes(id)));
      expect(Math.max(...mine.map((b) => b.length))).toBeGreaterThan(1);
      expect(Math.max(...mine.map((b) => b.length))).toBeLessThanOrEqual(50);
      expect(oneByOne.filter((id) => ids.includes(id))).toHaveLength(0);
    });

    it('on a non-transient failure rolls the chunk back and applies it one by one: only the bad message is dead-lettered', async () => {
      const key = randomUUID();
      const [before, bad, after] = [templatePublished(), templatePublished(), templatePublished()];
      poison.add(bad.eventId);
      await bed.sendTemplates(key, [before, bad, after]);

      await eventually(async () => expect(await effects(key)).toEqual([before.eventId, after.eventId]));
      const dead = await eventually(() => {
        const found = bed
          .recorder()
          .on(DLQ)
          .filter((m) => m.key === key);
        expect(found).toHaveLength(1);
        return found[0];
      });
      expect(dead.json.eventId).toBe(bad.eventId);
      expect(dead.headers[DLQ_HEADERS.reason]).toMatch(/handler failed after 2 attempts/);
      expect(oneByOne).toEqual(expect.arrayContaining([before.eventId, bad.eventId, after.eventId]));
      const positions = await bed
        .dataSource()
        .query(
          `SELECT next_offset FROM ${SCHEMA}.consumer_positions WHERE consumer = 'templates-batch-test'`,
        );
      expect(positions.length).toBeGreaterThan(0);
    });
  });

  describe('the partitions of a fetch merged into one chunk, published on commit', () => {
    const chunks: Array<Array<{ partition: number; eventId: string }>> = [];
    const preparedSeen: unknown[] = [];
    let prepares = 0;

    beforeAll(async () => {
      // Not started: outputs reach the topic only through publishNow on commit.
      const relay = new OutboxRelay(bed.dataSource(), bed.producer(), { schema: SCHEMA });
      await bed.startedRunner(
        {
          name: 'templates-merged-test',
          input: 'validated',
          topics: [Topics.AgreementsTemplates],
          delivery: {
            kind: 'batches',
            size: 500,
            mergePartitions: true,
            prepare: () => Promise.resolve(++prepares),
            handleBatch: async (messages, manager, prepared) => {
              preparedSeen.push(await prepared);
              chunks.push(messages.map((m) => ({ partition: m.partition, eventId: m.envelope.eventId })));
              return stageEvents(
                manager,
                SCHEMA,
                messages.map((m) => ({
                  topic: Topics.OrdersDecided,
                  key: m.key!,
                  envelope: templatePublished(m.envelope.eventId),
                })),
                relay.lease,
              );
            },
          },
          handle: async () => {
            throw new Error('the merged path should not fall back here');
          },
        },
        { publishNow: (rows) => relay.publishNow(rows) },
      );
    });

    it('applies the batches of several partitions in one transaction, each in offset order, and publishes on commit', async () => {
      const keys = Array.from({ length: 12 }, () => randomUUID());
      const sent = keys.flatMap((key) => [templatePublished(), templatePublished()].map((e) => ({ key, e })));
      await bed.producer().send({
        topic: Topics.AgreementsTemplates,
        messages: sent.map(({ key, e }) => ({ key, value: JSON.stringify(e) })),
      });

      const ids = new Set(sent.map(({ e }) => e.eventId));
      const out = await eventually(() => {
        const mine = bed
          .recorder()
          .on(Topics.OrdersDecided)
          .filter((m) => ids.has(m.json?.data?.templateId));
        expect(mine).toHaveLength(sent.length);
        return mine;
      });
      // Each key's two inputs gave their outputs in order (one partition per key).
      for (const key of keys) {
        const mineForKey = out.filter((m) => m.key === key).map((m) => m.json.data.templateId);
        expect(mineForKey).toEqual(sent.filter((s) => s.key === key).map((s) => s.e.eventId));
      }
      const mineChunks = chunks.filter((c) => c.some((x) => ids.has(x.eventId)));
      expect(Math.max(...mineChunks.map((c) => new Set(c.map((x) => x.partition)).size))).toBeGreaterThan(1);
      // Each chunk was handed the preparation started for it as it arrived.
      expect(preparedSeen).toHaveLength(chunks.length);
      expect(new Set(preparedSeen).size).toBe(preparedSeen.length);
      await eventually(async () => {
        const left = await bed
          .dataSource()
          .query(`SELECT count(*)::int AS n FROM ${SCHEMA}.outbox WHERE topic = $1`, [Topics.OrdersDecided]);
        expect(left[0].n).toBe(0);
      });
    });
  });
});

describe('where a chunk is applied: in a transaction (batches) or statement by statement (statement-batches)', () => {
  const bed = givenMessagingDatabase('messaging_statements');
  /** Per event id: the transaction ids of two statements the handler ran one after the other. */
  const transactions = new Map<string, [string, string]>();

  it.each([
    ['batches', true],
    ['statement-batches', false],
  ] as const)('%s: two statements of a chunk share one transaction: %s', async (kind, shared) => {
    await bed.startedRunner({
      name: `where-${kind}`,
      input: 'validated',
      topics: [Topics.AgreementsTemplates],
      delivery: {
        kind,
        handleBatch: async (messages, manager) => {
          const txid = async () => (await manager.query(`SELECT txid_current()::text AS id`))[0].id as string;
          const pair: [string, string] = [await txid(), await txid()];
          for (const m of messages) transactions.set(`${kind}/${m.envelope.eventId}`, pair);
        },
      },
      handle: async () => {
        throw new Error('no chunk here should fail');
      },
    });
    const event = templatePublished();
    await bed.sendTemplates(randomUUID(), [event]);

    const [first, second] = await eventually(() => {
      const pair = transactions.get(`${kind}/${event.eventId}`);
      expect(pair).toBeDefined();
      return pair!;
    });
    expect(first === second).toBe(shared);
  });
});
