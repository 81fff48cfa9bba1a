import { context, trace } from '@opentelemetry/api';
import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace';
import { flushTracing, startTracing, stopTracing, tracingSettingsFrom } from './tracing';
import { traceHeaders } from './trace-context';

describe('tracing on', () => {
  const exporter = new InMemorySpanExporter();
  beforeAll(() => startTracing('unit', { spanProcessors: [new SimpleSpanProcessor({ exporter })] }));
  afterAll(() => stopTracing());

  it('records spans and propagates traceparent', async () => {
    const span = trace.getTracer('unit').startSpan('x');
    const headers = context.with(trace.setSpan(context.active(), span), () => traceHeaders());
    span.end();
    expect(headers.traceparent).toContain(span.spanContext().traceId);
    await flushTracing();
    expect(exporter.getFinishedSpans()).toHaveLength(1);
  });
});

describe('tracingSettingsFrom', () => {
  it('is off unless OTEL_TRACES_EXPORTER names an exporter', () => {
    expect(tracingSettingsFrom({}).enabled).toBe(false);
    expect(tracingSettingsFrom({ OTEL_TRACES_EXPORTER: 'none' }).enabled).toBe(false);
    expect(tracingSettingsFrom({ OTEL_TRACES_EXPORTER: 'otlp' })).toMatchObject({
      enabled: true,
      exporters: ['otlp'],
    });
    expect(tracingSettingsFrom({ OTEL_TRACES_EXPORTER: 'otlp', OTEL_SDK_DISABLED: 'true' }).enabled).toBe(
      false,
    );
  });

  it('names the bad variable', () => {
    expect(() => tracingSettingsFrom({ OTEL_TRACES_EXPORTER: 'jaeger' })).toThrow(/OTEL_TRACES_EXPORTER/);
    expect(() =>
      tracingSettingsFrom({ OTEL_TRACES_EXPORTER: 'otlp', OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc' }),
    ).toThrow(/OTEL_EXPORTER_OTLP_PROTOCOL/);
    expect(() =>
      tracingSettingsFrom({ OTEL_TRACES_SAMPLER: 'traceidratio', OTEL_TRACES_SAMPLER_ARG: '2' }),
    ).toThrow(/OTEL_TRACES_SAMPLER_ARG/);
  });
});
