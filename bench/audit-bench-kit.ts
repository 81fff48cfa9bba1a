import { ChildProcess, spawn } from 'child_process';
import { generateKeyPairSync, randomBytes, randomUUID } from 'crypto';
import { readFileSync } from 'fs';
import { createServer } from 'net';
import { resolve } from 'path';
import { Client } from 'pg';
import { buildEnvelope, EVENT_TOPIC, EventEnvelope, EventType, Topics, TOPIC_WRITERS } from '@app/contracts';
import { signHs256Token } from '@app/platform/auth/dev-token';

/** What the audit benchmarks share: a fresh database, the audit service as a child process, its memory. */
/** The compiled service beside this compiled file (dist/bench → dist/apps/audit/src/main.js). */
const AUDIT_MAIN = resolve(__dirname, '../apps/audit/src/main.js');
export const ADMIN_DATABASE_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
export const KAFKA_BROKERS = process.env.KAFKA_BROKERS ?? '127.0.0.1:9092';

export interface BenchDatabase {
  url: string;
  drop(): Promise<void>;
}

export async function freshDatabase(label: string): Promise<BenchDatabase> {
  const name = `${label}_bench_${randomBytes(4).toString('hex')}`;
  const admin = new Client({ connectionString: ADMIN_DATABASE_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE "${name}"`);
  await admin.end();
  const url = new URL(ADMIN_DATABASE_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const c = new Client({ connectionString: ADMIN_DATABASE_URL });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      await c.end();
    },
  };
}

async function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => res(port));
    });
    server.on('error', rej);
  });
}

export interface AuditChild {
  process: ChildProcess;
  url: string;
  auditorToken(): Promise<string>;
  /** Peak resident memory of the child so far, in MB (VmHWM). */
  peakRssMb(): number;
  stop(): Promise<void>;
}

/** The flags the service is launched with (node_flags in scripts/start.sh, and the Dockerfile). */
const AUDIT_NODE_FLAGS = ['--max-semi-space-size=8'];

/** `node dist/apps/audit/src/main.js` against the database; resolves once it answers ready. */
export async function startAudit(databaseUrl: string, groupPrefix: string): Promise<AuditChild> {
  const port = await freePort();
  const secret = randomBytes(32).toString('hex');
  // S-03: the auditor's token must come from an operator tenant.
  const operatorTenantId = randomUUID();
  // AUDIT_NODE_ARGS, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof", to profile the service; they come
  // after the service's own flags, so they override them.
  const nodeArgs = (process.env.AUDIT_NODE_ARGS ?? '').split(' ').filter(Boolean);
  const child = spawn(process.execPath, [...AUDIT_NODE_FLAGS, ...nodeArgs, AUDIT_MAIN], {
    env: {
      ...process.env,
      DATABASE_URL: databaseUrl,
      AUDIT_PORT: String(port),
      JWT_SECRET: secret,
      // U-07: a key for this run's checkpoints, unless the caller set one.
      ...(process.env.AUDIT_SIGNING_KEY || process.env.AUDIT_SIGNING_KEY_FILE
        ? {}
        : {
            AUDIT_SIGNING_KEY: generateKeyPairSync('ed25519')
              .privateKey.export({ type: 'pkcs8', format: 'pem' })
              .toString(),
          }),
      OPERATOR_TENANT_IDS: operatorTenantId,
      KAFKA_BROKERS,
      KAFKA_GROUP_PREFIX: groupPrefix,
      KAFKA_NEW_GROUP_START: 'latest',
      LOG_LEVEL: 'warn',
    },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`audit exited with ${child.exitCode}`);
    const ready = await fetch(`${url}/health/ready`).then(
      (r) => r.ok,
      () => false,
    );
    if (ready) break;
    if (Date.now() > deadline) throw new Error('audit did not become ready in 60 s');
    await new Promise((r) => setTimeout(r, 200));
  }
  return {
    process: child,
    url,
    auditorToken: () =>
      signHs256Token(secret, { tid: operatorTenantId, oid: randomUUID(), roles: ['Auditor'] }).then(
        (t) => `Bearer ${t}`,
      ),
    peakRssMb: () => {
      const kb = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'));
      return kb ? Number(kb[1]) / 1024 : NaN;
    },
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}

export function fmt(n: number, digits = 0): string {
  return n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
}

const MCA = '117a77b0-9360-443b-8795-c6dedc750cf9';

/** The i-th of the benches' events: the four kinds of fact the log mostly holds, in turn, told apart by `run` (correlationId). */
export function benchEvent(
  i: number,
  partners: string[],
  customers: string[],
  run: string,
): { topic: string; envelope: EventEnvelope } {
  const partnerId = partners[i % partners.length];
  const customerTenantId = customers[i % customers.length];
  const at = new Date().toISOString();
  const build = (type: EventType, data: object) =>
    buildEnvelope(type, data, { producer: TOPIC_WRITERS[EVENT_TOPIC[type]][0], correlationId: run });
  switch (i % 4) {
    case 0:
      return {
        topic: Topics.AgreementsAcceptance,
        envelope: build('AgreementAttested', {
          attestationId: randomUUID(),
          partnerId,
          customerTenantId,
          agreementType: 'MicrosoftCustomerAgreement',
          templateId: MCA,
          dateAgreed: at,
          userId: randomUUID(),
          primaryContact: { firstName: 'Adele', lastName: 'Vance', email: 'adele@fabrikam.example' },
          channel: 'Api',
        }),
      };
    case 1:
      return {
        topic: Topics.OrdersRequested,
        envelope: build('OrderRequested', {
          orderId: `bench-${i}`,
          partnerId,
          customerTenantId,
          kind: 'NewPurchase',
          channel: 'Api',
          requestedAt: at,
          lineItems: [{ offerId: 'CFQ7TTC0LH18:0001', quantity: 5 }],
        }),
      };
    case 2:
      return {
        topic: Topics.OrdersDecided,
        envelope: build('OrderBlocked', {
          orderId: `bench-${i - 1}`,
          partnerId,
          customerTenantId,
          kind: 'NewPurchase',
          requestedAt: at,
          decidedAt: at,
          reason: 'AcceptanceMissing',
          message: 'Blocked: attest the Microsoft Customer Agreement, then order again.',
          evidence: {
            acceptanceSource: null,
            agreementType: null,
            templateId: null,
            dateAgreed: null,
            acceptanceEventId: null,
          },
          policyVersion: 'csp-acceptance-2023-04',
        }),
      };
    default:
      return {
        topic: Topics.PartnersRelationships,
        envelope: build('ResellerRelationshipAccepted', {
          invitationId: randomUUID(),
          partnerId,
          customerTenantId,
          acceptedAt: at,
          cloud: 'Public',
          country: 'US',
        }),
      };
  }
}
