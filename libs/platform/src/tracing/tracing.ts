import { propagation, trace, type Tracer } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { registerInstrumentations } from '@opentelemetry/instrumentation';
import { PgInstrumentation } from '@opentelemetry/instrumentation-pg';
import { detectResources, envDetector, resourceFromAttributes } from '@opentelemetry/resources';
import {
  AlwaysOffSampler,
  AlwaysOnSampler,
  BatchSpanProcessor,
  ConsoleSpanExporter,
  ParentBasedSampler,
  type Sampler,
  type SpanExporter,
  type SpanProcessor,
  TraceIdRatioBasedSampler,
  TracerProvider,
} from '@opentelemetry/sdk-trace';
import { ATTR_SERVICE_NAME } from '@opentelemetry/semantic-conventions';
import { ConfigError, type ConfigProblem } from '../config';
import { installContextManager } from './trace-context';

type Env = Record<string, string | undefined>;

const EXPORTERS = ['otlp', 'console', 'none'] as const;
type ExporterName = (typeof EXPORTERS)[number];

/** What the standard `OTEL_*` variables ask for. Tracing is off unless OTEL_TRACES_EXPORTER names an exporter. */
export interface TracingSettings {
  enabled: boolean;
  exporters: Exclude<ExporterName, 'none'>[];
  sampler: Sampler;
}

const SAMPLERS = [
  'always_on',
  'always_off',
  'traceidratio',
  'parentbased_always_on',
  'parentbased_always_off',
  'parentbased_traceidratio',
];

function value(env: Env, name: string): string | undefined {
  const text = env[name]?.trim();
  return text ? text : undefined;
}

function samplerFrom(env: Env, problems: ConfigProblem[]): Sampler {
  const name = (value(env, 'OTEL_TRACES_SAMPLER') ?? 'parentbased_always_on').toLowerCase();
  if (!SAMPLERS.includes(name)) {
    problems.push({ variable: 'OTEL_TRACES_SAMPLER', expected: `must be one of ${SAMPLERS.join(', ')}` });
    return new AlwaysOffSampler();
  }
  let ratio = 1;
  if (name.endsWith('traceidratio')) {
    const arg = value(env, 'OTEL_TRACES_SAMPLER_ARG');
    ratio = arg === undefined ? 1 : Number(arg);
    if (!Number.isFinite(ratio) || ratio < 0 || ratio > 1) {
      problems.push({ variable: 'OTEL_TRACES_SAMPLER_ARG', expected: 'must be a number between 0 and 1' });
      ratio = 0;
    }
  }
  const root = name.endsWith('always_on')
    ? new AlwaysOnSampler()
    : name.endsWith('always_off')
      ? new AlwaysOffSampler()
      : new TraceIdRatioBasedSampler(ratio);
  return name.startsWith('parentbased_') ? new ParentBasedSampler({ root }) : root;
}

/**
 * Reads the standard variables: OTEL_SDK_DISABLED, OTEL_TRACES_EXPORTER (`otlp`, `console`, `none`, or a comma
 * list; unset means off, unlike the SDK's own default), OTEL_TRACES_SAMPLER(_ARG) and
 * OTEL_EXPORTER_OTLP_PROTOCOL (only `http/json`, the installed exporter). The OTLP exporter reads
 * OTEL_EXPORTER_OTLP_(TRACES_)ENDPOINT, _HEADERS and _TIMEOUT itself; the resource reads OTEL_SERVICE_NAME and
 * OTEL_RESOURCE_ATTRIBUTES. A bad value is a ConfigError naming the variable.
 */
export function tracingSettingsFrom(env: Env = process.env): TracingSettings {
  const problems: ConfigProblem[] = [];
  const names = (value(env, 'OTEL_TRACES_EXPORTER') ?? 'none')
    .split(',')
    .map((n) => n.trim().toLowerCase())
    .filter(Boolean);
  const unknown = names.filter((n) => !(EXPORTERS as readonly string[]).includes(n));
  if (unknown.length > 0)
    problems.push({
      variable: 'OTEL_TRACES_EXPORTER',
      expected: `must be a list of ${EXPORTERS.join(', ')}`,
    });
  const protocol =
    value(env, 'OTEL_EXPORTER_OTLP_TRACES_PROTOCOL') ?? value(env, 'OTEL_EXPORTER_OTLP_PROTOCOL');
  if (names.includes('otlp') && protocol !== undefined && protocol !== 'http/json')
    problems.push({
      variable: value(env, 'OTEL_EXPORTER_OTLP_TRACES_PROTOCOL')
        ? 'OTEL_EXPORTER_OTLP_TRACES_PROTOCOL'
        : 'OTEL_EXPORTER_OTLP_PROTOCOL',
      expected: 'must be http/json (the exporter this service ships)',
    });
  const sampler = samplerFrom(env, problems);
  if (problems.length > 0) throw new ConfigError(problems);
  const disabled = value(env, 'OTEL_SDK_DISABLED')?.toLowerCase() === 'true';
  const exporters = names.filter((n): n is 'otlp' | 'console' => n === 'otlp' || n === 'console');
  return { enabled: !disabled && exporters.length > 0, exporters, sampler };
}

let provider: TracerProvider | undefined;

export interface StartTracingOptions {
  env?: Env;
  /** Span processors to use instead of those the variables name (a test's in-memory exporter). */
  spanProcessors?: SpanProcessor[];
}

/**
 * Starts tracing for this process when the variables ask for it (or a test hands its own processors): a tracer
 * provider with the service's resource, W3C `traceparent` propagation, and the PostgreSQL instrumentation.
 * Off, it only installs the context manager that carries the log fields: no provider, no propagation, no
 * spans recorded. Idempotent: the first call wins. Returns whether tracing is on.
 */
export function startTracing(service: string, options: StartTracingOptions = {}): boolean {
  installContextManager();
  if (provider) return true;
  const env = options.env ?? process.env;
  const settings = tracingSettingsFrom(env);
  if (!settings.enabled && !options.spanProcessors) return false;
  const exporters: SpanExporter[] = settings.exporters.map((name) =>
    name === 'otlp' ? new OTLPTraceExporter() : new ConsoleSpanExporter(),
  );
  const resource = resourceFromAttributes({ [ATTR_SERVICE_NAME]: service }).merge(
    detectResources({ detectors: [envDetector] }),
  );
  provider = new TracerProvider({
    resource,
    sampler: settings.sampler,
    spanProcessors:
      options.spanProcessors ?? exporters.map((exporter) => new BatchSpanProcessor({ exporter })),
  });
  trace.setGlobalTracerProvider(provider);
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  // Outside a test runner's module system only: the pg client is patched when TypeORM loads it.
  if (!options.spanProcessors) registerInstrumentations({ instrumentations: [new PgInstrumentation()] });
  return true;
}

/** Whether this process traces (startTracing turned it on). */
export function tracingEnabled(): boolean {
  return provider !== undefined;
}

/** Sends what is buffered and stops tracing: at shutdown, and between tests. */
export async function stopTracing(): Promise<void> {
  const stopping = provider;
  if (!stopping) return;
  provider = undefined;
  await stopping.shutdown().catch(() => undefined);
  trace.disable();
  propagation.disable();
}

/** Sends the spans still buffered (at shutdown, so the last requests' spans are not lost). */
export async function flushTracing(): Promise<void> {
  await provider?.forceFlush().catch(() => undefined);
}

/** The tracer of one service's own spans (HTTP requests, message handling): its scope names the service. */
export function serviceTracer(service: string): Tracer {
  return trace.getTracer(service);
}
