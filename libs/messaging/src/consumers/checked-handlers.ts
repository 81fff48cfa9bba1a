/**
 * The one place that knows whether a consumer reads validated or raw messages: it checks each message and
 * hands the spec's handlers what they expect, so the runners deal in checked messages only.
 */
import { EntityManager } from 'typeorm';
import { parseAndValidate } from '@app/contracts';
import {
  Chunking,
  ConsumerSpec,
  Delivery,
  HandlerContext,
  HandlerResult,
  InboundMessage,
  ValidatedMessage,
} from './consumer-spec';

/** A message that may be applied; `validated` is there for a consumer that reads validated messages. */
export interface Accepted {
  message: InboundMessage;
  validated?: ValidatedMessage;
}

/** A message that must be dead-lettered, and why. */
export interface Refused {
  reason: string;
}

/** A chunk handler over checked messages (see BatchHandler). */
export type CheckedBatchHandler = (
  accepted: Accepted[],
  manager: EntityManager,
  prepared: Promise<unknown> | undefined,
  context: HandlerContext,
) => Promise<HandlerResult>;

/** For a delivery in chunks: how it cuts them, and what applies one. */
export interface CheckedChunks {
  settings: Omit<Chunking<unknown>, 'handleBatch'>;
  handleBatch: CheckedBatchHandler;
}

export interface CheckedHandlers {
  check(message: InboundMessage): Accepted | Refused;
  handle(accepted: Accepted, manager: EntityManager, context: HandlerContext): Promise<HandlerResult>;
  onInvalid?(message: InboundMessage, reason: string, manager: EntityManager): Promise<HandlerResult>;
  /** Present when the delivery is in chunks. */
  chunks?: CheckedChunks;
}

export function checkedHandlersOf(spec: ConsumerSpec): CheckedHandlers {
  if (spec.input === 'raw') {
    const input = (a: Accepted) => a.message;
    return {
      check: (message) => ({ message }),
      handle: (a, manager, context) => spec.handle(input(a), manager, context),
      chunks: chunksOf(spec.delivery, input),
    };
  }
  const input = (a: Accepted) => a.validated!;
  return {
    check: (message) => {
      const result = parseAndValidate(message.value, { topic: message.topic });
      if (!result.ok) return { reason: result.reason };
      return { message, validated: { ...message, envelope: result.envelope } };
    },
    handle: (a, manager, context) => spec.handle(input(a), manager, context),
    onInvalid: spec.onInvalid?.bind(spec),
    chunks: chunksOf(spec.delivery, input),
  };
}

function chunksOf<M>(delivery: Delivery<M>, input: (a: Accepted) => M): CheckedChunks | undefined {
  if (delivery.kind === 'one-by-one') return undefined;
  return {
    settings: delivery,
    handleBatch: (accepted, manager, prepared, context) =>
      delivery.handleBatch(accepted.map(input), manager, prepared, context),
  };
}
