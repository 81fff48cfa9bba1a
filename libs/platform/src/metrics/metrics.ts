import { collectDefaultMetrics, Gauge, Histogram, type Metric, Registry } from 'prom-client';

/** This process's metrics: Node's defaults, HTTP timings, and whatever a service registers on it. */
export const metricsRegistry = new Registry();
collectDefaultMetrics({ register: metricsRegistry });

/**
 * A metric registered once per process: several services started in one test process share it. `create`
 * registers it on `metricsRegistry`. Names follow Prometheus' conventions: the unit in the name
 * (`_seconds`, `_messages`), `_total` for counters, and label values from small fixed sets, never ids.
 */
export function singleMetric<T extends Metric>(name: string, create: () => T): T {
  return (metricsRegistry.getSingleMetric(name) as T | undefined) ?? create();
}

/** A gauge of this process, registered once (see `singleMetric`), for a service that needs no more of prom-client. */
export function processGauge(name: string, help: string): Gauge {
  return singleMetric(name, () => new Gauge({ name, help, registers: [metricsRegistry] }));
}

export const httpRequestDuration = singleMetric(
  'http_request_duration_seconds',
  () =>
    new Histogram({
      name: 'http_request_duration_seconds',
      help: 'HTTP requests by method, route pattern and status code.',
      labelNames: ['method', 'route', 'status'] as const,
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [metricsRegistry],
    }),
);

/** Fills some gauges when /metrics is read; a source stops by calling what `add` returned. */
export type ScrapeSource = () => Promise<void>;

/**
 * Gauges read from where the state lives (the database, the broker) when /metrics is scraped, rather than kept
 * up to date by the code that changes it: an outbox backlog, a consumer group's lag. Each service started in
 * the process adds its source (labelled with its `service`); every scrape clears the gauges and asks every
 * source once, each given `timeoutMs`, so a source that fails or hangs leaves its series out of that scrape
 * rather than stale.
 */
export class ScrapedGauges {
  private readonly sources = new Set<ScrapeSource>();
  private readonly gauges: Gauge[] = [];
  private refreshing?: Promise<void>;

  constructor(private readonly timeoutMs = 2000) {}

  gauge<L extends string>(name: string, help: string, labelNames: readonly L[]): Gauge<L> {
    return singleMetric(name, () => {
      const refresh = () => this.refresh();
      const gauge = new Gauge<L>({
        name,
        help,
        labelNames,
        registers: [metricsRegistry],
        async collect() {
          await refresh();
        },
      });
      this.gauges.push(gauge as unknown as Gauge);
      return gauge;
    });
  }

  add(source: ScrapeSource): () => void {
    this.sources.add(source);
    return () => this.sources.delete(source);
  }

  /** One refresh serves every gauge of the group in one scrape. */
  private refresh(): Promise<void> {
    this.refreshing ??= this.readAll().finally(() =>
      setImmediate(() => {
        this.refreshing = undefined;
      }),
    );
    return this.refreshing;
  }

  private async readAll(): Promise<void> {
    for (const gauge of this.gauges) gauge.reset();
    await Promise.all(
      [...this.sources].map((source) => {
        let timer: NodeJS.Timeout | undefined;
        const timeout = new Promise<void>((resolve) => {
          timer = setTimeout(resolve, this.timeoutMs);
        });
        return Promise.race([source().catch(() => undefined), timeout]).finally(() => clearTimeout(timer));
      }),
    );
  }
}

/** The gauges every service's infrastructure fills at scrape time (outbox, consumer lag). */
export const scrapedGauges = new ScrapedGauges();
