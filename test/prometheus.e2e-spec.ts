import { ChildProcess, execFileSync, spawn } from 'child_process';
import { randomUUID } from 'crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'fs';
import { Producer } from 'kafkajs';
import { createServer } from 'net';
import { tmpdir } from 'os';
import { join } from 'path';
import { parse } from 'yaml';
import {
  buildEnvelope,
  CustomerTenantCreatedV1,
  EVENT_HEADERS,
  EventEnvelope,
  OrderRequestedV1,
  PartnerRegisteredV1,
  Topics,
} from '@app/contracts';
import {
  bearer,
  connectedProducer,
  createTestDatabase,
  eventually,
  operatorBearer,
  RunningService,
  startService,
  TestDatabase,
  testKafka,
  uniqueGroupPrefix,
} from '@app/testing';
import { AttestationModule } from '../apps/attestation/src/attestation.module';
import { AuditModule } from '../apps/audit/src/audit.module';
import { OrderGateModule } from '../apps/order-gate/src/order-gate.module';

const RULES = join(__dirname, '..', 'deploy', 'observability', 'alerts.yml');
const RULE_TESTS = join(__dirname, '..', 'deploy', 'observability', 'alerts.test.yml');
const DASHBOARD = join(__dirname, '..', 'deploy', 'observability', 'dashboard.json');
const MCA_TEMPLATE = '117a77b0-9360-443b-8795-c6dedc750cf9';
const INSTALL_HINT = "Debian's prometheus package (apt-get install -y prometheus; .ci/run installs it)";

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

function hostOf(service: RunningService): string {
  return new URL(service.url).host;
}

/** Every metric name an expression reads (the histogram and counter suffixes kept as written). */
function metricNamesIn(expr: string): string[] {
  const withoutStrings = expr.replace(/"[^"]*"/g, '""');
  const names = withoutStrings.match(/[a-z_][a-z0-9_]*(?=\s*[{[])|[a-z_][a-z0-9_]*(?=\s*\))/g) ?? [];
  return names.filter((n) =>
    /_(total|seconds|messages|sequence|ok|count|bucket|sum)$|_facts$|^enhanced_attestations$/.test(n),
  );
}

function expressionsOfRules(): string[] {
  const rules = parse(readFileSync(RULES, 'utf8')) as { groups: Array<{ rules: Array<{ expr: string }> }> };
  return rules.groups.flatMap((g) => g.rules.map((r) => r.expr));
}

function expressionsOfDashboard(): string[] {
  const dashboard = JSON.parse(readFileSync(DASHBOARD, 'utf8')) as {
    panels: Array<{ targets?: Array<{ expr: string }> }>;
  };
  return dashboard.panels.flatMap((p) => (p.targets ?? []).map((t) => t.expr));
}

function headersOf(envelope: EventEnvelope): Record<string, string> {
  return {
    [EVENT_HEADERS.type]: envelope.eventType,
    [EVENT_HEADERS.version]: String(envelope.eventVersion),
    [EVENT_HEADERS.id]: envelope.eventId,
    [EVENT_HEADERS.correlationId]: envelope.correlationId,
  };
}

describe('the alert rules', () => {
  it('pass promtool check rules', () => {
    const out = execFileSync('promtool', ['check', 'rules', RULES], { encoding: 'utf8' });
    expect(out).toContain('SUCCESS: 7 rules found');
  });

  it('pass their promtool unit tests (each alert fires on what it is about, and not before)', () => {
    const out = execFileSync('promtool', ['test', 'rules', RULE_TESTS], { encoding: 'utf8' });
    expect(out).toContain('SUCCESS');
  });
});

describe('a real Prometheus scraping the running services (real broker, real database)', () => {
  let db: TestDatabase;
  let attestation: RunningService;
  let gate: RunningService;
  let audit: RunningService;
  let producer: Producer;
  let prometheus: ChildProcess | undefined;
  let prometheusLog = '';
  let dir: string;
  let api: string;

  beforeAll(async () => {
    execFileSync('prometheus', ['--version'], { stdio: 'ignore' });
    db = await createTestDatabase('prometheus_e2e');
    const common = { databaseUrl: db.url, groupPrefix: uniqueGroupPrefix('prometheus') };
    [audit, gate, attestation] = await Promise.all([
      startService('audit', (c) => AuditModule.forRoot(c), common),
      startService('order-gate', (c) => OrderGateModule.forRoot(c), common),
      startService('attestation', (c) => AttestationModule.forRoot(c), common),
    ]);
    producer = await connectedProducer(testKafka('prometheus-e2e'));

    dir = mkdtempSync(join(tmpdir(), 'prometheus-e2e-'));
    const port = await freePort();
    api = `http://127.0.0.1:${port}`;
    writeFileSync(
      join(dir, 'prometheus.yml'),
      JSON.stringify({
        global: { scrape_interval: '1s', evaluation_interval: '1s' },
        rule_files: [RULES],
        scrape_configs: [
          {
            job_name: 'acceptance-gate',
            scrape_interval: '1s',
            scrape_timeout: '1s',
            static_configs: [{ targets: [attestation, gate, audit].map(hostOf) }],
          },
        ],
      }),
    );
    prometheus = spawn(
      'prometheus',
      [
        `--config.file=${join(dir, 'prometheus.yml')}`,
        `--storage.tsdb.path=${join(dir, 'data')}`,
        `--web.listen-address=127.0.0.1:${port}`,
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    prometheus.stderr?.on('data', (chunk: Buffer) => {
      prometheusLog = (prometheusLog + chunk.toString()).slice(-20000);
    });
    await eventually(
      async () => {
        const res = await fetch(`${api}/-/ready`);
        expect(res.status).toBe(200);
      },
      { timeoutMs: 30000, intervalMs: 200 },
    );
  }, 120000);

  afterAll(async () => {
    if (prometheus && prometheus.exitCode === null) {
      const exited = new Promise((resolve) => prometheus!.once('exit', resolve));
      prometheus.kill('SIGTERM');
      await exited;
    }
    if (dir) rmSync(dir, { recursive: true, force: true });
    await producer?.disconnect();
    await Promise.allSettled([attestation?.close(), gate?.close(), audit?.close()]);
    await db?.drop();
  });

  async function query(
    promql: string,
  ): Promise<Array<{ metric: Record<string, string>; value: [number, string] }>> {
    const res = await fetch(`${api}/api/v1/query?query=${encodeURIComponent(promql)}`);
    const body = (await res.json()) as { status: string; data: { result: [] }; error?: string };
    if (body.status !== 'success') throw new Error(`${promql}: ${body.error}\n${prometheusLog}`);
    return body.data.result;
  }

  async function valueOf(promql: string): Promise<number> {
    const result = await query(promql);
    if (result.length === 0) throw new Error(`${promql}: no series yet`);
    return Number(result[0].value[1]);
  }

  it('answers for the domain metrics after a small workload: decisions, latency, attestations, dead letters, lag, outbox, audit chain', async () => {
    const partnerId = randomUUID();
    const customerTenantId = randomUUID();
    const partner: PartnerRegisteredV1 = {
      partnerId,
      partnerType: 'DirectBill',
      cloud: 'Public',
      name: 'Contoso',
    };
    const customer: CustomerTenantCreatedV1 = {
      customerTenantId,
      partnerId,
      companyName: 'Contoso',
      cloud: 'Public',
      country: 'US',
    };
    const facts = [
      buildEnvelope('PartnerRegistered', partner, { producer: 'reseller-relationship' }),
      buildEnvelope('CustomerTenantCreated', customer, { producer: 'reseller-relationship' }),
    ];
    await producer.send({
      topic: Topics.PartnersRelationships,
      messages: facts.map((f, i) => ({
        key: i === 0 ? partnerId : customerTenantId,
        value: JSON.stringify(f),
        headers: headersOf(f),
      })),
    });
    const token = await bearer({ tenantId: partnerId, roles: ['AdminAgent'] });
    const attest = (dateAgreed: Date) =>
      attestation
        .http()
        .post(`/v1/customers/${customerTenantId}/agreements`)
        .set('Authorization', token)
        .send({
          primaryContact: { firstName: 'Ada', lastName: 'Lovelace', email: 'ada@contoso.example' },
          dateAgreed: dateAgreed.toISOString(),
          templateId: MCA_TEMPLATE,
          type: 'MicrosoftCustomerAgreement',
        });
    // Once the service has read the partner and its customer (S-03, A-17): one refused, then one recorded.
    await eventually(
      async () =>
        expect((await attest(new Date(Date.now() + 86_400_000))).body).toMatchObject({ code: 600002 }),
      { timeoutMs: 30000 },
    );
    expect((await attest(new Date(Date.now() - 60000))).status).toBe(201);

    const order = buildEnvelope(
      'OrderRequested',
      {
        orderId: `order-${randomUUID()}`,
        partnerId,
        customerTenantId,
        kind: 'NewPurchase',
        channel: 'Api',
        requestedAt: new Date().toISOString(),
        lineItems: [{ offerId: 'CFQ7TTC0LH18:0001', quantity: 1 }],
      } satisfies OrderRequestedV1,
      { producer: 'commerce-platform' },
    );
    await producer.send({
      topic: Topics.OrdersRequested,
      messages: [
        { key: customerTenantId, value: JSON.stringify(order), headers: headersOf(order) },
        { key: customerTenantId, value: 'not json' },
      ],
    });
    const verified = await audit
      .http()
      .get('/v1/audit/verify')
      .set('Authorization', await operatorBearer(['Auditor']));
    expect(verified.body).toMatchObject({ ok: true });

    await eventually(
      async () => {
        expect(
          await valueOf(
            'sum(order_gate_decisions_total{outcome="Approved", reason="AcceptanceConfirmed", kind="NewPurchase"})',
          ),
        ).toBeGreaterThanOrEqual(1);
        expect(await valueOf('sum(order_gate_decision_latency_seconds_count)')).toBeGreaterThanOrEqual(1);
        expect(
          await valueOf('sum(attestations_total{outcome="recorded", error_code="none"})'),
        ).toBeGreaterThanOrEqual(1);
        expect(
          await valueOf('sum(attestations_total{outcome="refused", error_code="600002"})'),
        ).toBeGreaterThanOrEqual(1);
        expect(
          await valueOf(
            'sum(messages_dead_lettered_total{topic="commerce.orders.requested", reason="invalid"})',
          ),
        ).toBeGreaterThanOrEqual(1);
        expect(await valueOf('max(audit_chain_head_sequence{service="audit"})')).toBeGreaterThanOrEqual(1);
        expect(await valueOf('min(audit_chain_verify_ok)')).toBe(1);
      },
      { timeoutMs: 60000, intervalMs: 500 },
    );

    // The gauges read at scrape time, per service, group and partition.
    const lag = await query(
      'max by (group, topic, partition) (messaging_consumer_lag_messages{service="order-gate"})',
    );
    expect(lag.map((s) => s.metric.topic)).toEqual(expect.arrayContaining([Topics.OrdersRequested]));
    for (const s of lag) expect(Number(s.value[1])).toBeGreaterThanOrEqual(0);
    const backlog = await query('max by (service) (outbox_backlog_messages)');
    expect(backlog.map((s) => s.metric.service).sort()).toEqual(['attestation', 'audit', 'order-gate']);
    expect(
      await valueOf('max(outbox_oldest_message_age_seconds{service="attestation"})'),
    ).toBeGreaterThanOrEqual(0);
    expect(await query('enhanced_attestations{status="Pending"}')).not.toHaveLength(0);
    expect(await valueOf('sum(order_gate_orders_held_for_facts)')).toBeGreaterThanOrEqual(0);
    expect(await valueOf('sum(order_gate_decisions_without_complete_facts_total)')).toBe(0);
    expect(await valueOf('sum(order_gate_facts_wait_seconds_count)')).toBeGreaterThanOrEqual(0);

    // Every metric the alert rules and the dashboard read is one the services serve.
    const served = (await (await fetch(`${api}/api/v1/label/__name__/values`)).json()) as { data: string[] };
    const read = new Set([...expressionsOfRules(), ...expressionsOfDashboard()].flatMap(metricNamesIn));
    expect(read.size).toBeGreaterThan(10);
    expect([...read].filter((name) => !served.data.includes(name))).toEqual([]);

    // Every panel's query is valid PromQL (Grafana's own variables given a value).
    for (const expr of expressionsOfDashboard())
      await query(expr.replace(/\$__rate_interval/g, '1m').replace(/\$__range/g, '5m'));

    // Prometheus loaded the rules and evaluates them without error.
    await eventually(
      async () => {
        const rules = (await (await fetch(`${api}/api/v1/rules`)).json()) as {
          data: { groups: Array<{ rules: Array<{ name: string; health: string; lastError?: string }> }> };
        };
        const all = rules.data.groups.flatMap((g) => g.rules);
        expect(all).toHaveLength(7);
        expect(all.filter((r) => r.health !== 'ok')).toEqual([]);
      },
      { timeoutMs: 15000 },
    );
  });
});

// Fails with the reason when Prometheus is not installed, rather than passing on nothing.
beforeAll(() => {
  for (const tool of ['prometheus', 'promtool']) {
    try {
      execFileSync(tool, ['--version'], { stdio: 'ignore' });
    } catch {
      throw new Error(`${tool} is not installed: this spec needs ${INSTALL_HINT}`);
    }
  }
});
