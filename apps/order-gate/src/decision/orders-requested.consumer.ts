import { Injectable, OnModuleInit } from '@nestjs/common';
import { EventEnvelope, OrderRequestedV1, Topics } from '@app/contracts';
import { ConsumerRegistry } from '@app/messaging';
import { OrderDecider } from './order-decider';

export const ORDERS_CONSUMER = 'orders';

/**
 * Decides every `OrderRequested` once (G-10), a malformed one included (G-14). The hot path takes the batches of one fetch
 * together, with one catch-up: the decisions and their outbox rows are written in statements of up to 1,000 orders, each
 * committing a part's decisions with their outbox rows, and a redelivered order finds its decision already there. `handle` is the runner's
 * one-by-one fallback (a chunk that failed is replayed message by message, so only a bad one is
 * dead-lettered).
 */
@Injectable()
export class OrdersRequestedConsumer implements OnModuleInit {
  constructor(
    private readonly consumers: ConsumerRegistry,
    private readonly decider: OrderDecider,
  ) {}

  onModuleInit(): void {
    this.consumers.register({
      name: ORDERS_CONSUMER,
      input: 'validated',
      topics: [Topics.OrdersRequested],
      // The decisions and their outbox rows go in one statement, atomic by itself: no BEGIN/COMMIT around it.
      // The decision itself is the record: one per orderId, ON CONFLICT DO NOTHING, and an outbox row
      // (leased, sent on commit) only for a decision inserted now; a processed-event row would be a second record.
      delivery: {
        kind: 'statement-batches',
        // A partition's whole fetched batch (at most 1 MiB, some 2,000 orders) in one chunk, and the chunks of every
        // partition of a fetch merged: one catch-up per fetch (G-11), whose orders are then recorded in parts.
        size: 5000,
        mergePartitions: true,
        // The fact topics' end offsets (G-11) are asked for as the chunk arrives, and come back while
        // its messages are checked and the views are loaded.
        prepare: () => this.decider.factEnds(),
        handleBatch: (messages, manager, factEnds, context) =>
          this.decider.decideAndRecord(
            messages.map((m) => m.envelope as EventEnvelope<OrderRequestedV1>),
            manager,
            factEnds as Promise<Map<string, bigint>> | undefined,
            context,
          ),
      },
      handle: ({ envelope }, manager, context) =>
        this.decider.decideAndRecord(
          [envelope as EventEnvelope<OrderRequestedV1>],
          manager,
          undefined,
          context,
        ),
      // G-14: a request that fails validation is answered too (InvalidOrder) when its orderId can be read.
      onInvalid: (message, reason, manager) => this.decider.recordInvalid(message, reason, manager),
    });
  }
}
