/**
 * What the observability costs per message on a consumer's path, tracing off (the default) and on: the traced
 * runner around a runner that does nothing, with the `traceparent` of each event the message causes written as
 * `toOutboxRows` does. Tracing on samples every span and hands it to a processor that drops it, so the figure is
 * the SDK's own cost, not an exporter's.
 *
 *   npm run --silent build && node dist/bench/tracing-overhead.js
 *
 * Ends with one `RESULT {json}` line.
 */
import { InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace';
import { EVENT_HEADERS } from '@app/contracts';
import { InboundMessage } from '@app/messaging';
import { TracedRunner } from '@app/messaging/consumers/traced-runner';
import { DeliveryRunner } from '@app/messaging/consumers/runner-parts';
import { installContextManager, startTracing, stopTracing, traceHeaders } from '@app/platform';
import { randomUUID } from 'crypto';

const MESSAGES = 200_000;
const SLICE = 100;

function messages(n: number): InboundMessage[] {
  return Array.from({ length: n }, (_, i) => ({
    topic: 'commerce.orders.requested',
    partition: 0,
    offset: String(i),
    key: 'k',
    value: Buffer.from('{}'),
    timestamp: '0',
    headers: {
      [EVENT_HEADERS.id]: randomUUID(),
      [EVENT_HEADERS.correlationId]: randomUUID(),
      traceparent: `00-${randomUUID().replace(/-/g, '')}-${randomUUID().replace(/-/g, '').slice(0, 16)}-01`,
    },
  }));
}

/** A runner whose handler only writes the headers of one event per message, as the outbox does. */
const writesHeaders = (sliceSize: number): DeliveryRunner => ({
  sliceSize,
  apply: async (slice) => {
    for (const m of slice) traceHeaders(m.headers[EVENT_HEADERS.id]!.toString());
  },
});

async function nsPerMessage(runner: DeliveryRunner, all: InboundMessage[]): Promise<number> {
  const started = process.hrtime.bigint();
  for (let i = 0; i < all.length; i += runner.sliceSize)
    await runner.apply(all.slice(i, i + runner.sliceSize), async () => undefined);
  return Number(process.hrtime.bigint() - started) / all.length;
}

class DroppingExporter extends InMemorySpanExporter {
  override export(_spans: ReadableSpan[], done: (result: { code: number }) => void): void {
    done({ code: 0 });
  }
}

async function main(): Promise<void> {
  installContextManager();
  const all = messages(MESSAGES);
  const consumer = { service: 'bench', groupId: 'bench.orders' };
  const figures: Record<string, number> = {};
  for (const [label, slice] of [
    ['oneByOne', 1],
    ['chunks', SLICE],
  ] as const) {
    await nsPerMessage(writesHeaders(slice), all.slice(0, 20_000));
    figures[`${label}BareNs`] = await nsPerMessage(writesHeaders(slice), all);
    figures[`${label}TracingOffNs`] = await nsPerMessage(
      new TracedRunner(writesHeaders(slice), consumer),
      all,
    );
  }
  startTracing('bench', { spanProcessors: [new SimpleSpanProcessor({ exporter: new DroppingExporter() })] });
  for (const [label, slice] of [
    ['oneByOne', 1],
    ['chunks', SLICE],
  ] as const)
    figures[`${label}TracingOnNs`] = await nsPerMessage(
      new TracedRunner(writesHeaders(slice), consumer),
      all,
    );
  await stopTracing();
  const rounded = Object.fromEntries(Object.entries(figures).map(([k, v]) => [k, Math.round(v)]));
  for (const [k, v] of Object.entries(rounded)) process.stdout.write(`${k.padEnd(24)} ${v} ns/message\n`);
  process.stdout.write(
    `RESULT ${JSON.stringify({ bench: 'tracing-overhead', messages: MESSAGES, ...rounded })}\n`,
  );
}

void main();
