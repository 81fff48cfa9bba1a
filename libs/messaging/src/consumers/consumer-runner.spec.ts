import { Kafka } from 'kafkajs';
import { ConsumerRunner, ConsumerRunnerOptions } from './consumer-runner';
import { Delivery, InboundMessage, RawConsumerSpec } from './consumer-spec';

describe('ConsumerRunner', () => {
  const spec = (delivery: Delivery<InboundMessage>): RawConsumerSpec => ({
    name: 'fetch-test',
    input: 'raw',
    topics: ['agreements.acceptance'],
    delivery,
    handle: async () => undefined,
  });
  const handleBatch = async () => undefined;

  function consumerConfigFor(s: RawConsumerSpec): Record<string, unknown> {
    const consumer = jest.fn(() => ({ on: jest.fn(), events: {} }));
    new ConsumerRunner(s, {
      kafka: { consumer } as unknown as Kafka,
      schema: 'test',
      groupId: 'group',
    } as unknown as ConsumerRunnerOptions);
    return (consumer.mock.calls[0] as unknown[])[0] as Record<string, unknown>;
  }

  it("passes a chunked delivery's fetch sizes to kafkajs, and leaves kafkajs's defaults when it names none", () => {
    expect(
      consumerConfigFor(
        spec({ kind: 'batches', handleBatch, fetchBytes: { perPartition: 4 << 20, total: 32 << 20 } }),
      ),
    ).toMatchObject({ maxBytesPerPartition: 4 << 20, maxBytes: 32 << 20 });
    expect(consumerConfigFor(spec({ kind: 'batches', handleBatch }))).toMatchObject({
      maxBytesPerPartition: undefined,
      maxBytes: undefined,
    });
    expect(consumerConfigFor(spec({ kind: 'one-by-one' }))).toMatchObject({ groupId: 'group' });
  });

  it('has no way to ask for a dedupe record or a position beside an effect that runs without a transaction', () => {
    const withoutTransaction = (delivery: Delivery<InboundMessage>) => delivery;
    // tsc (npm run typecheck) fails here if the statement delivery ever accepts them.
    // @ts-expect-error a statement runs without a transaction: no processed-events record to write with it
    withoutTransaction({ kind: 'statement-batches', handleBatch, dedupe: true });
    // @ts-expect-error nor a position
    withoutTransaction({ kind: 'statement-batches', handleBatch, trackPositions: true });
    // @ts-expect-error a chunk setting needs a delivery in chunks
    withoutTransaction({ kind: 'one-by-one', mergePartitions: true });
    expect(consumerConfigFor(spec({ kind: 'statement-batches', handleBatch }))).toMatchObject({
      groupId: 'group',
    });
  });
});
