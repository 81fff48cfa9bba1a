import { Kafka } from 'kafkajs';
import { ConsumerRunner, ConsumerRunnerOptions, RawConsumerSpec } from './consumer-runner';

describe('ConsumerRunner', () => {
  const spec = (extra: Partial<RawConsumerSpec> = {}): RawConsumerSpec => ({
    name: 'fetch-test',
    mode: 'raw',
    topics: ['agreements.acceptance'],
    handle: async () => undefined,
    ...extra,
  });

  function consumerConfigFor(s: RawConsumerSpec): Record<string, unknown> {
    const consumer = jest.fn(() => ({ on: jest.fn(), events: {} }));
    new ConsumerRunner(s, {
      kafka: { consumer } as unknown as Kafka,
      schema: 'test',
      groupId: 'group',
    } as unknown as ConsumerRunnerOptions);
    return (consumer.mock.calls[0] as unknown[])[0] as Record<string, unknown>;
  }

  it("passes a consumer's fetch sizes to kafkajs, and leaves kafkajs's defaults when it names none", () => {
    expect(consumerConfigFor(spec({ fetchBytes: { perPartition: 4 << 20, total: 32 << 20 } }))).toMatchObject(
      {
        maxBytesPerPartition: 4 << 20,
        maxBytes: 32 << 20,
      },
    );
    expect(consumerConfigFor(spec())).toMatchObject({ maxBytesPerPartition: undefined, maxBytes: undefined });
  });

  it('refuses to run without a transaction a consumer that writes a dedupe record or a position beside its effect', () => {
    expect(() => consumerConfigFor(spec({ transaction: false }))).toThrow(/dedupe: false/);
    expect(() =>
      consumerConfigFor(spec({ transaction: false, dedupe: false, trackPositions: true })),
    ).toThrow(/trackPositions/);
    expect(consumerConfigFor(spec({ transaction: false, dedupe: false }))).toMatchObject({
      groupId: 'group',
    });
  });
});
