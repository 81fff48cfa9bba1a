/*
 * The whole stack the console's browser tests run against: the local OIDC provider (child process), the four
 * services in this process on one test database and the real broker, trusting the provider's keys through
 * JWT_JWKS_URL, and the console as a child process built by tsc. openid-client 6 is ESM-only and jest's module
 * system cannot load it (neither require(esm) nor import() work without --experimental-vm-modules, and jest also
 * wraps module.createRequire and process.getBuiltinModule), so the console runs as Node runs it in production.
 */
import { execFileSync, spawn, type ChildProcess } from 'child_process';
import { randomBytes } from 'crypto';
import { rmSync } from 'fs';
import { createServer } from 'net';
import { join, resolve } from 'path';
import request from 'supertest';
import type { DynamicModule } from '@nestjs/common';
import type { ServiceConfig, ServiceName } from '@app/platform';
import {
  createTestDatabase,
  eventually,
  OPERATOR_TENANT_ID,
  RunningService,
  startService,
  TestDatabase,
  uniqueGroupPrefix,
} from '@app/testing';
import {
  signInWithPassword,
  startLocalOidcProvider,
  type LocalOidcProvider,
  type LocalOidcUserKey,
} from '@app/testing/local-oidc-provider';
import { AttestationModule } from '../apps/attestation/src/attestation.module';
import { AuditModule } from '../apps/audit/src/audit.module';
import { OrderGateModule } from '../apps/order-gate/src/order-gate.module';
import { ResellerRelationshipModule } from '../apps/reseller-relationship/src/reseller-relationship.module';

const ROOT = resolve(__dirname, '..');

export interface ConsoleStack {
  provider: LocalOidcProvider;
  services: Record<ServiceName, RunningService>;
  /** The console's address, e.g. http://127.0.0.1:41234. */
  consoleUrl: string;
  /** A bearer token of the seeded user, signed in at the provider as the console does. */
  tokenOf(user: LocalOidcUserKey): Promise<string>;
  consoleLog(): string;
  /** The console's built main.js (for starting it with another environment). */
  consoleProgram: string;
}

function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const server = createServer();
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => done(port));
    });
  });
}

const MODULES: Array<[ServiceName, (c: ServiceConfig, env: NodeJS.ProcessEnv) => DynamicModule]> = [
  ['reseller-relationship', (c, env) => ResellerRelationshipModule.forRoot(c, env)],
  ['attestation', (c, env) => AttestationModule.forRoot(c, {}, env)],
  ['order-gate', (c, env) => OrderGateModule.forRoot(c, {}, env)],
  ['audit', (c, env) => AuditModule.forRoot(c, env)],
];

/** Builds the console with tsc into the repository's .cache (its views and assets are found from there). */
function buildConsole(outDir: string): void {
  rmSync(outDir, { recursive: true, force: true });
  execFileSync(
    process.execPath,
    [require.resolve('typescript/bin/tsc'), '-p', 'apps/console/tsconfig.app.json', '--outDir', outDir],
    {
      cwd: ROOT,
      stdio: 'pipe',
    },
  );
}

/**
 * Declares, inside a `describe`, the beforeAll that starts the stack (and registers partners A and B of the
 * provider's seeded users) and the afterAll that stops it. Read the stack inside tests and hooks only.
 */
export function givenConsoleStack(label: string): () => ConsoleStack {
  let stack: ConsoleStack | undefined;
  let provider: LocalOidcProvider | undefined;
  let db: TestDatabase | undefined;
  let child: ChildProcess | undefined;
  const running: Partial<Record<ServiceName, RunningService>> = {};
  const outDir = join(ROOT, '.cache', `console-e2e-${label}-${process.pid}`);

  beforeAll(async () => {
    const port = await freePort();
    const consoleUrl = `http://127.0.0.1:${port}`;
    provider = await startLocalOidcProvider({
      consolePublicUrl: consoleUrl,
      operatorTenantId: OPERATOR_TENANT_ID,
    });
    const trust = {
      JWT_SECRET: '',
      JWT_JWKS_URL: provider.jwksUrl,
      JWT_ISSUER: provider.issuer,
      JWT_AUDIENCE: provider.audience,
    };
    db = await createTestDatabase(`console_${label.replace(/-/g, '_')}`);
    const groupPrefix = uniqueGroupPrefix(`console-${label}`);
    const invitationSecret = randomBytes(32).toString('hex');
    for (const [name, module] of MODULES) {
      // Read when the module is built (startService provides the audit's signing key first). Without
      // JWT_SECRET the invitations are signed with their own secret.
      const moduleEnv = () => ({ ...process.env, ...trust, INVITATION_SIGNING_SECRET: invitationSecret });
      running[name] = await startService(name, (c) => module(c, moduleEnv()), {
        databaseUrl: db.url,
        groupPrefix,
        env: trust,
      });
    }
    const services = running as Record<ServiceName, RunningService>;

    buildConsole(outDir);
    let log = '';
    child = spawn(process.execPath, [join(outDir, 'main.js')], {
      cwd: ROOT,
      env: {
        ...process.env,
        CONSOLE_PORT: String(port),
        CONSOLE_PUBLIC_URL: consoleUrl,
        OIDC_ISSUER_URL: provider.issuer,
        OIDC_CLIENT_ID: provider.clientId,
        OIDC_CLIENT_SECRET: provider.clientSecret,
        CONSOLE_SESSION_SECRET: randomBytes(32).toString('hex'),
        ATTESTATION_URL: services.attestation.url,
        RESELLER_RELATIONSHIP_URL: services['reseller-relationship'].url,
        ORDER_GATE_URL: services['order-gate'].url,
        AUDIT_URL: services.audit.url,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => (log += chunk));
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (log += chunk));
    await eventually(
      async () => {
        if (child?.exitCode !== null) throw new Error(`the console exited:\n${log}`);
        await request(consoleUrl).get('/health/ready').expect(200);
      },
      { timeoutMs: 30_000, intervalMs: 200 },
    );

    const issued = provider;
    const tokens = new Map<LocalOidcUserKey, Promise<string>>();
    stack = {
      provider,
      services,
      consoleUrl,
      tokenOf: (user) => {
        if (!tokens.has(user)) {
          tokens.set(
            user,
            signInWithPassword(issued, issued.users[user]).then((t) => `Bearer ${t.accessToken}`),
          );
        }
        return tokens.get(user)!;
      },
      consoleLog: () => log,
      consoleProgram: join(outDir, 'main.js'),
    };

    // The operator's PlatformAdmin registers the partners of the seeded users (S-03).
    const admin = await stack.tokenOf('operatorAdmin');
    for (const [name, id] of [
      ['Partner A', provider.tenants.partnerA],
      ['Partner B', provider.tenants.partnerB],
    ]) {
      await request(services['reseller-relationship'].url)
        .post('/v1/partners')
        .set('authorization', admin)
        .send({ id, name, partnerType: 'DirectBill', cloud: 'Public' })
        .expect(201);
    }
  }, 180_000);

  afterAll(async () => {
    if (child && child.exitCode === null) {
      const exited = new Promise((done) => child!.once('exit', done));
      child.kill('SIGTERM');
      await exited;
    }
    await Promise.allSettled(Object.values(running).map((s) => s.close()));
    await provider?.stop();
    await db?.drop();
    rmSync(outDir, { recursive: true, force: true });
  });

  return () => {
    if (!stack) throw new Error('the console stack is read before beforeAll started it');
    return stack;
  };
}
