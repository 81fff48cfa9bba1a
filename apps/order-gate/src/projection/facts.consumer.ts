import { Inject, Injectable, OnModuleInit } from '@nestjs/common';
import { KnownEventEnvelope, Topics } from '@app/contracts';
import { ConsumerRegistry, SERVICE_SCHEMA } from '@app/messaging';
import { applyWrites } from './apply-writes';
import { writesOf } from './evolve';

export const FACTS_CONSUMER = 'facts';

/** Every topic whose facts the gate judges on; the catch-up before a block waits for all of them (G-11). */
export const FACT_TOPICS = [
  Topics.AgreementsAcceptance,
  Topics.PartnersRelationships,
  Topics.AgreementsTemplates,
] as const;

/** Keeps the projection current from the fact topics, recording its positions for G-11. */
@Injectable()
export class FactsConsumer implements OnModuleInit {
  constructor(
    private readonly consumers: ConsumerRegistry,
    @Inject(SERVICE_SCHEMA) private readonly schema: string,
  ) {}

  onModuleInit(): void {
    this.consumers.register({
      name: FACTS_CONSUMER,
      input: 'validated',
      topics: [...FACT_TOPICS],
      // A chunk of one partition in offset order, in one transaction: the same writes, fewer commits.
      delivery: {
        kind: 'batches',
        trackPositions: true,
        handleBatch: async (messages, manager) => {
          for (const { envelope } of messages)
            await applyWrites(manager, this.schema, writesOf(envelope as KnownEventEnvelope));
        },
      },
      handle: ({ envelope }, manager) =>
        applyWrites(manager, this.schema, writesOf(envelope as KnownEventEnvelope)),
    });
  }
}
