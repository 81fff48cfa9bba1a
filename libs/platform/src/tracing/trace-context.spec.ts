import { context, trace } from '@opentelemetry/api';
import { createJsonLogger } from '../logging/json-logger';
import { installContextManager, traceHeaders, withLogFields } from './trace-context';

/** Tracing off (the default): the log fields still travel with the work, and nothing is propagated. */
describe('the context of a unit of work, tracing off', () => {
  let written: string[];
  let spy: jest.SpyInstance;

  beforeAll(() => installContextManager());
  beforeEach(() => {
    written = [];
    spy = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      written.push(String(chunk));
      return true;
    });
  });
  afterEach(() => spy.mockRestore());

  it('every line written in it, across awaits, carries its correlation id and no trace id', async () => {
    const logger = createJsonLogger('order-gate', 'log');
    await context.with(withLogFields({ correlationId: 'corr-1' }), async () => {
      logger.log('before');
      await new Promise((resolve) => setTimeout(resolve, 5));
      logger.warn('after a timer');
    });
    logger.log('outside');
    const lines = written.map((text) => JSON.parse(text) as Record<string, unknown>);
    expect(lines.map((l) => [l.message, l.correlationId])).toEqual([
      ['before', 'corr-1'],
      ['after a timer', 'corr-1'],
      ['outside', undefined],
    ]);
    expect(lines.every((l) => l.traceId === undefined)).toBe(true);
  });

  it('a correlation id the call passes itself wins', () => {
    context.with(withLogFields({ correlationId: 'corr-1' }), () =>
      createJsonLogger('audit', 'log').log('mine', { correlationId: 'corr-2' }),
    );
    expect(JSON.parse(written[0])).toMatchObject({ correlationId: 'corr-2' });
  });

  it('no traceparent is written onto events', () => {
    const span = trace.getTracer('t').startSpan('x');
    expect(context.with(trace.setSpan(context.active(), span), () => traceHeaders())).toEqual({});
  });
});
