import { readdirSync, readFileSync } from 'fs';
import { join, relative, resolve } from 'path';

/*
 * A-10 and U-06, second line: what a service's code, and the shared libs it runs on, could send
 * anyone. The first line is test/a10-no-notification.e2e-spec.ts, which watches the wire; this scan
 * reads the sources, so that a mailer cannot come in unnoticed through a lib that the services'
 * own scans admit wholesale. It reads import statements and literal calls: a module loaded by a
 * computed name escapes it, the e2e test does not.
 */

const REPO_ROOT = resolve(__dirname, '../../..');

/** The libs every service runs on. */
export const SHARED_LIB_SOURCES = ['libs/contracts/src', 'libs/messaging/src', 'libs/platform/src'].map(
  (dir) => join(REPO_ROOT, dir),
);

/** Packages made to mail, text, call or push to someone. */
export const NOTIFIER_PACKAGES =
  /nodemailer|sendgrid|mailgun|postmark|mandrill|sparkpost|smtp|sendmail|@aws-sdk\/client-(s?es|sns|pinpoint)|twilio|vonage|nexmo|plivo|messagebird|@azure\/communication|firebase-admin|web-push|node-apn|@slack\//i;
/** HTTP clients: each posts a webhook as easily as it fetches. */
export const HTTP_CLIENT_PACKAGES =
  /^(axios|got|node-fetch|cross-fetch|undici|superagent|request|needle|ky|@nestjs\/axios)$/;
/** Node's own ways out: a socket speaks SMTP to anyone, a child process runs sendmail. */
export const NODE_NETWORK_MODULES = /^(node:)?(net|tls|dgram|http|https|http2|child_process)$/;
/** Calls that reach out without an import of their own (globals, or a library's network helper). */
const OUTBOUND_CALLS = /\bfetch\s*\(|\bXMLHttpRequest\b|\bWebSocket\b|\bcreateRemoteJWKSet\s*\(/g;

/**
 * The shared libs' only ways out, each to a configured counterpart that is nobody's inbox: the
 * import must be exactly `importStatement`, and every call matching `calls` exactly `allowedCall`.
 */
export const SHARED_LIB_NETWORK_USES: ReadonlyArray<{
  file: string;
  module?: string;
  importStatement?: string;
  calls: RegExp;
  allowedCall: string;
  why: string;
}> = [
  {
    file: 'libs/messaging/src/read-pool.ts',
    module: 'net',
    importStatement: "import { connect as tcpConnect } from 'net';",
    calls: /\btcpConnect\s*\(/g,
    allowedCall: 'tcpConnect(this.server.port, this.server.host,',
    why: "PostgreSQL's CancelRequest, sent to the database server the pool reads from (the host and port of its URL)",
  },
  {
    file: 'libs/platform/src/auth/jwt-verifier.ts',
    calls: /\bcreateRemoteJWKSet\s*\(/g,
    allowedCall: 'createRemoteJWKSet(new URL(jwksUrl))',
    why: "GETs the identity provider's public keys at JWT_JWKS_URL: it reads keys and sends nothing about anyone",
  },
];

export interface ImportSite {
  file: string;
  module: string;
  /** `import type …`: erased at compile time, it cannot open anything. */
  typeOnly: boolean;
  statement: string;
}

/** A service's or lib's production sources: no specs, fixtures, harnesses. */
export function productionSources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return productionSources(path);
    return entry.name.endsWith('.ts') &&
      !/\.(spec|int-spec|e2e-spec)\.ts$/.test(entry.name) &&
      !/\.(fixtures|harness)\.ts$/.test(entry.name)
      ? [path]
      : [];
  });
}

const IMPORT_STATEMENT =
  /\b(?:import|export)\s+(type\s+)?[^;'"]*?\bfrom\s+['"]([^'"]+)['"];?|\bimport\s+['"]([^'"]+)['"];?/g;
const DYNAMIC_IMPORT = /\b(?:require|import)\s*\(\s*['"]([^'"]+)['"]\s*\)/g;

export function importsOf(file: string): ImportSite[] {
  const text = readFileSync(file, 'utf8');
  const sites: ImportSite[] = [];
  for (const m of text.matchAll(IMPORT_STATEMENT))
    sites.push({ file, module: m[2] ?? m[3], typeOnly: Boolean(m[1]), statement: m[0] });
  for (const m of text.matchAll(DYNAMIC_IMPORT))
    sites.push({ file, module: m[1], typeOnly: false, statement: m[0] });
  return sites;
}

/** Whether a module is made for mail, SMS or HTTP requests, or is one of Node's own network modules. */
export function couldNotify(module: string): boolean {
  return (
    NOTIFIER_PACKAGES.test(module) || HTTP_CLIENT_PACKAGES.test(module) || NODE_NETWORK_MODULES.test(module)
  );
}

/** Calls in `file` that reach out by themselves (fetch, XMLHttpRequest, WebSocket, remote key sets). */
export function outboundCallsIn(file: string): string[] {
  // Comments may talk about a fetch; only code can make one.
  const text = readFileSync(file, 'utf8')
    .replace(/\/\*[\s\S]*?\*\//g, ' ')
    .replace(/(^|[^:])\/\/.*$/gm, '$1');
  return [...text.matchAll(OUTBOUND_CALLS)].map((m) => text.slice(m.index, m.index + 60).split('\n')[0]);
}

/**
 * Every way the shared libs could reach someone, beyond their broker and database clients (kafkajs,
 * pg) and the HTTP server they answer on: each entry names the file and what it found. Empty when
 * the libs hold nothing but `SHARED_LIB_NETWORK_USES`.
 */
export function notificationPathsInSharedLibs(dirs: readonly string[] = SHARED_LIB_SOURCES): string[] {
  const problems: string[] = [];
  const files = dirs.flatMap(productionSources);
  if (files.length < 20) problems.push(`only ${files.length} source files found under ${dirs.join(', ')}`);
  for (const file of files) {
    const path = relative(REPO_ROOT, file);
    const uses = SHARED_LIB_NETWORK_USES.filter((use) => use.file === path);
    for (const site of importsOf(file)) {
      if (site.typeOnly || !couldNotify(site.module)) continue;
      const allowed = uses.some(
        (use) => use.module === site.module && use.importStatement === site.statement,
      );
      if (!allowed) problems.push(`${path} imports ${site.module} (${site.statement})`);
    }
    const text = readFileSync(file, 'utf8');
    for (const call of outboundCallsIn(file)) {
      if (!uses.some((use) => call.startsWith(use.allowedCall.split('(')[0])))
        problems.push(`${path} calls ${call}`);
    }
    for (const use of uses) {
      const calls = [...text.matchAll(use.calls)];
      if (calls.length === 0)
        problems.push(`${path}: the allowance for ${use.allowedCall} matches nothing any more`);
      for (const call of calls) {
        if (!text.startsWith(use.allowedCall, call.index))
          problems.push(`${path} calls ${text.slice(call.index, call.index + 60).split('\n')[0]}`);
      }
    }
  }
  for (const use of SHARED_LIB_NETWORK_USES) {
    if (!files.some((file) => relative(REPO_ROOT, file) === use.file))
      problems.push(`${use.file} (allowed for ${use.allowedCall}) is not among the sources scanned`);
  }
  return problems;
}
