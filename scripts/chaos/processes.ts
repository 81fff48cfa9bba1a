import { ChildProcess, execFile, spawn } from 'child_process';
import { createWriteStream } from 'fs';
import { join } from 'path';
import { promisify } from 'util';

const run = promisify(execFile);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export const SERVICES = ['attestation', 'reseller-relationship', 'order-gate', 'audit'] as const;
export type Service = (typeof SERVICES)[number];

const PORT_VARIABLE: Record<Service, string> = {
  attestation: 'ATTESTATION_PORT',
  'reseller-relationship': 'RESELLER_RELATIONSHIP_PORT',
  'order-gate': 'ORDER_GATE_PORT',
  audit: 'AUDIT_PORT',
};
/* The same flags as scripts/start.sh and the Dockerfile. */
const NODE_FLAGS: Record<Service, string[]> = {
  attestation: [],
  'reseller-relationship': [],
  'order-gate': ['--min-semi-space-size=16', '--initial-old-space-size=128'],
  audit: ['--max-semi-space-size=8'],
};

/** Instance i (1-based) of a service listens on base + 100 * (i - 1) + 1..4 (CHAOS_PORT_BASE, default 3300). */
export const portOf = (
  service: Service,
  instance: number,
  base = Number(process.env.CHAOS_PORT_BASE ?? 3300),
) => base + 100 * (instance - 1) + SERVICES.indexOf(service) + 1;

export class ServiceInstance {
  private child?: ChildProcess;
  readonly pidHistory: number[] = [];

  constructor(
    readonly service: Service,
    readonly instance: number,
    readonly port: number,
    private readonly env: NodeJS.ProcessEnv,
    private readonly logDir: string,
  ) {}

  get name(): string {
    return `${this.service}#${this.instance}`;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get pid(): number | undefined {
    return this.child?.exitCode === null ? this.child.pid : undefined;
  }

  start(): void {
    const log = createWriteStream(join(this.logDir, `${this.service}-${this.instance}.log`), { flags: 'a' });
    this.child = spawn(
      process.execPath,
      [
        '--disable-warning=TimeoutNegativeWarning',
        ...NODE_FLAGS[this.service],
        join('dist', 'apps', this.service, 'src', 'main.js'),
      ],
      {
        env: { ...this.env, [PORT_VARIABLE[this.service]]: String(this.port) },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    this.child.stdout?.pipe(log);
    this.child.stderr?.pipe(log);
    if (this.child.pid) this.pidHistory.push(this.child.pid);
  }

  signal(signal: NodeJS.Signals): void {
    if (this.child?.pid && this.child.exitCode === null) process.kill(this.child.pid, signal);
  }

  /** kill -9, and wait until the process is gone. */
  async kill(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const gone = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await gone;
  }

  async stop(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const gone = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGCONT');
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    await gone;
    clearTimeout(timer);
  }

  async ready(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (this.child && this.child.exitCode !== null)
        throw new Error(`${this.name} exited with ${this.child.exitCode} (see its log)`);
      try {
        const res = await fetch(`${this.url}/health/ready`, { signal: AbortSignal.timeout(2000) });
        if (res.ok) return;
      } catch {
        /* not listening yet */
      }
      await sleep(300);
    }
    throw new Error(`${this.name} was not ready within ${timeoutMs} ms (see its log)`);
  }
}

const clusterBase = Number(process.env.KAFKA_CLUSTER_PORT_BASE ?? 19092);

/** The 3-node cluster of deploy/local/kafka-cluster.sh (KAFKA_CLUSTER_PORT_BASE moves it). */
export const cluster = {
  bootstrap: [0, 1, 2].map((i) => `127.0.0.1:${clusterBase + i}`),
  async command(...args: string[]): Promise<string> {
    const { stdout } = await run('bash', ['deploy/local/kafka.sh', 'cluster', ...args], {
      maxBuffer: 1 << 22,
    });
    return stdout;
  },
};

const pgName = process.env.CHAOS_PG_CLUSTER ?? 'chaos';
const pgPort = Number(process.env.CHAOS_PG_PORT ?? 5433);

/**
 * A private PostgreSQL cluster for the campaign (Debian's pg_createcluster: 15/chaos on 5433, trust auth on
 * loopback), so that its restarts touch nothing else on the machine. CHAOS_PG_CLUSTER and CHAOS_PG_PORT move it.
 */
export const privatePostgres = {
  url: (database: string) => `postgres://postgres@127.0.0.1:${pgPort}/${database}`,
  async ensure(): Promise<void> {
    const { stdout } = await run('pg_lsclusters', ['--no-header']);
    if (!stdout.split('\n').some((line) => new RegExp(`^15\\s+${pgName}\\s`).test(line))) {
      await run('pg_createcluster', ['15', pgName, '-p', String(pgPort), '--', '--auth=trust']);
      await run('pg_conftool', ['15', pgName, 'set', 'max_connections', '400']);
    }
    const running = await run('pg_ctlcluster', ['15', pgName, 'status']).then(
      () => true,
      () => false,
    );
    if (!running) await run('pg_ctlcluster', ['--skip-systemctl-redirect', '15', pgName, 'start']);
  },
  /** Every connection dropped: a fast restart (as an operator's restart or a failover looks to the services). */
  async restart(): Promise<void> {
    await run('pg_ctlcluster', ['--skip-systemctl-redirect', '15', pgName, 'restart', '-m', 'fast']);
  },
};
