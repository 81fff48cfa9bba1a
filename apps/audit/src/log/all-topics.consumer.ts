import { Inject, Injectable, OnModuleInit } from '@nestjs/common';
import { ALL_TOPICS, DLQ_TOPICS } from '@app/contracts';
import { ConsumerRegistry, ConsumerRunner, SERVICE_SCHEMA } from '@app/messaging';
import { appendToLog } from './chained-log';

const MIB = 1024 * 1024;

export const AUDIT_LOG_CONSUMER = 'audit-log';

/** Keeps every message of every topic, the dead-letter topics included, in the chained log (U-01, U-02). */
@Injectable()
export class AllTopicsConsumer implements OnModuleInit {
  /** The running consumer (tests stop it to hold the log still). */
  runner?: ConsumerRunner;

  constructor(
    private readonly consumers: ConsumerRegistry,
    @Inject(SERVICE_SCHEMA) private readonly schema: string,
  ) {}

  onModuleInit(): void {
    this.runner = this.consumers.register({
      name: AUDIT_LOG_CONSUMER,
      input: 'raw',
      topics: [...ALL_TOPICS, ...DLQ_TOPICS],
      delivery: {
        kind: 'batches',
        // The log's own identities (eventId per topic, else place and time) make each append idempotent, in the same transaction.
        dedupe: false,
        // Positions with each chunk: S-03's partner directory waits for the log to reach a registration.
        trackPositions: true,
        // A partition's whole fetched batch in one transaction, and bigger batches than by default: every chunk pays
        // a commit and round trips while it holds the chain head, which all appends wait for.
        size: 10000,
        fetchBytes: { perPartition: 4 * MIB, total: 16 * MIB },
        handleBatch: async (messages, manager) => {
          await appendToLog(manager, this.schema, messages);
        },
      },
      handle: async (message, manager) => {
        await appendToLog(manager, this.schema, [message]);
      },
    });
  }
}
