import { metricsRegistry, ScrapedGauges } from './metrics';

describe('ScrapedGauges', () => {
  it('asks every source once per scrape; a failing or hanging source leaves its series out, not stale', async () => {
    const gauges = new ScrapedGauges(50);
    const backlog = gauges.gauge('test_scraped_backlog_messages', 'test', ['service']);
    const age = gauges.gauge('test_scraped_age_seconds', 'test', ['service']);
    let reads = 0;
    let attestationFails = false;
    gauges.add(async () => {
      reads++;
      backlog.set({ service: 'order-gate' }, 3);
      age.set({ service: 'order-gate' }, 1.5);
    });
    gauges.add(async () => {
      if (attestationFails) throw new Error('database away');
      backlog.set({ service: 'attestation' }, 7);
    });
    const stopHanging = gauges.add(() => new Promise(() => undefined));

    const first = await metricsRegistry.metrics();
    expect(reads).toBe(1);
    expect(first).toContain('test_scraped_backlog_messages{service="order-gate"} 3');
    expect(first).toContain('test_scraped_backlog_messages{service="attestation"} 7');
    expect(first).toContain('test_scraped_age_seconds{service="order-gate"} 1.5');

    attestationFails = true;
    stopHanging();
    // The gauges of one scrape share its read; the next scrape reads again.
    await new Promise((resolve) => setImmediate(resolve));
    const second = await metricsRegistry.metrics();
    expect(reads).toBe(2);
    expect(second).toContain('test_scraped_backlog_messages{service="order-gate"} 3');
    expect(second).not.toContain('service="attestation"');
  });
});
