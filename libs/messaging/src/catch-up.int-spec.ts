import { randomUUID } from 'crypto';
import { DataSource } from 'typeorm';
import { Topics } from '@app/contracts';
import { eventually } from '@app/testing';
import { CatchUp, ConsumerGroups } from './catch-up';
import { ConsumerRunner } from './consumers';
import { endOffsets } from './end-offsets';
import { givenMessagingDatabase, SCHEMA, templatePublished } from './messaging.harness';

const CONSUMER = 'templates-catch-up-test';

/** The consumer groups as a catch-up sees them: one group, and what this instance applied of it. */
function oneGroup(groupId: string, applied?: () => ReadonlyMap<string, bigint>): ConsumerGroups {
  return { groupIdFor: () => groupId, appliedPositions: () => applied?.() };
}

describe("catch-up with a consumer's positions and its group's commits, against the real broker and database", () => {
  const bed = givenMessagingDatabase('messaging_catch_up');
  let runner: ConsumerRunner;
  /** Next offset per `topic:partition` after each message the handler saw. */
  const handled = new Map<string, Map<string, bigint>>();

  beforeAll(async () => {
    runner = await bed.startedRunner({
      name: CONSUMER,
      input: 'validated',
      topics: [Topics.AgreementsTemplates],
      delivery: {
        kind: 'batches',
        trackPositions: true,
        mergePartitions: true,
        handleBatch: async (messages) => {
          for (const m of messages)
            handled.set(m.envelope.eventId, new Map([[`${m.topic}:${m.partition}`, BigInt(m.offset) + 1n]]));
        },
      },
      handle: async () => {
        throw new Error('no chunk here should fail');
      },
    });
  });

  /** Sends events on new keys and waits until the handler has seen them; the next offset of each partition. */
  async function appliedEvents(count: number): Promise<Map<string, bigint>> {
    const events = Array.from({ length: count }, () => templatePublished());
    for (const event of events) await bed.sendTemplates(randomUUID(), [event]);
    const targets = new Map<string, bigint>();
    await eventually(() => {
      for (const event of events) expect(handled.has(event.eventId)).toBe(true);
    });
    for (const event of events)
      for (const [key, next] of handled.get(event.eventId)!)
        if (next > (targets.get(key) ?? -1n)) targets.set(key, next);
    return targets;
  }

  it('tells when it has applied everything up to the end offsets', async () => {
    const catchUp = new CatchUp(bed.admin(), bed.dataSource(), SCHEMA, oneGroup(runner.groupId));
    const event = templatePublished();
    await bed.sendTemplates(randomUUID(), [event]);
    const targets = await catchUp.endOffsets([Topics.AgreementsTemplates]);

    const result = await catchUp.waitFor(CONSUMER, targets, 10000);

    expect(result.caughtUp).toBe(true);
    expect(handled.has(event.eventId)).toBe(true);
    const impossible = new Map([[`${Topics.AgreementsTemplates}:0`, 10n ** 15n]]);
    await expect(catchUp.waitFor(CONSUMER, impossible, 100)).resolves.toMatchObject({
      caughtUp: false,
      remaining: new Set([`${Topics.AgreementsTemplates}:0`]),
    });
  });

  it("remembers the group's committed offsets: a partition that receives nothing more costs no query", async () => {
    const applied = await appliedEvents(6);
    let queries = 0;
    const counting = {
      query: (text: string, params?: unknown[]) => {
        queries++;
        return bed.dataSource().query(text, params);
      },
    } as unknown as DataSource;
    // Another instance's view: nothing applied locally, only the group's commits to go by.
    const catchUp = new CatchUp(bed.admin(), counting, SCHEMA, oneGroup(runner.groupId));
    await eventually(async () =>
      expect(await catchUp.waitFor('not-this-consumer', applied, 0)).toMatchObject({
        caughtUp: true,
      }),
    );
    expect(queries).toBeGreaterThan(0);
    for (const [key, next] of applied)
      expect(catchUp.knownApplied('not-this-consumer').get(key)).toBeGreaterThanOrEqual(next);

    queries = 0;
    await expect(catchUp.waitFor('not-this-consumer', applied, 0)).resolves.toMatchObject({
      caughtUp: true,
    });
    expect(queries).toBe(0);
  });

  it('knows what it has applied without a query, and catch-up answers from it', async () => {
    const applied = await appliedEvents(6);
    // Known once each chunk has committed, a moment after its handler ran.
    await eventually(() => {
      for (const [key, next] of applied)
        expect(runner.appliedPositions().get(key)).toBeGreaterThanOrEqual(next);
    });
    const noDatabase = {
      query: () => Promise.reject(new Error('catch-up should not need the database here')),
    } as unknown as DataSource;
    const catchUp = new CatchUp(
      bed.admin(),
      noDatabase,
      SCHEMA,
      oneGroup(runner.groupId, () => runner.appliedPositions()),
    );

    await expect(catchUp.waitFor(CONSUMER, applied, 0)).resolves.toEqual({
      caughtUp: true,
      waitedMs: expect.any(Number),
      remaining: new Set(),
    });
  });

  it('gives the end offsets of the partitions that hold something, and they move with a send', async () => {
    const before = await endOffsets(bed.admin(), [Topics.AgreementsTemplates, Topics.AgreementsAcceptance]);
    const meta = await bed.producer().send({
      topic: Topics.AgreementsTemplates,
      messages: [{ key: randomUUID(), value: JSON.stringify(templatePublished()) }],
    });
    const key = `${Topics.AgreementsTemplates}:${meta[0].partition}`;
    const after = await endOffsets(bed.admin(), [Topics.AgreementsTemplates]);
    // Others may send to the topic too: the end is at least past what this send wrote.
    expect(after.get(key)).toBeGreaterThanOrEqual(BigInt(meta[0].baseOffset!) + 1n);
    expect(after.get(key)).toBeGreaterThan(before.get(key) ?? 0n);
    for (const partition of after.keys())
      expect(partition.startsWith(`${Topics.AgreementsTemplates}:`)).toBe(true);
  });
});
