import { spawn, type ChildProcess } from 'child_process';
import { createHash, randomBytes, randomUUID } from 'crypto';
import { mkdtempSync, readFileSync, rmSync } from 'fs';
import { tmpdir } from 'os';
import { join, resolve } from 'path';

/** The provider program (ESM: jest cannot import oidc-provider, so it runs as a child process). */
export const LOCAL_OIDC_PROVIDER_PROGRAM = resolve(__dirname, '../../../scripts/oidc/provider.mjs');

/** The seeded users' keys in the provider's local-users.json. */
export type LocalOidcUserKey =
  'partnerAdminA' | 'salesAgentA' | 'partnerAdminB' | 'auditor' | 'operatorAdmin';

export interface LocalOidcUser {
  username: string;
  password: string;
  name: string;
  /** Tenant id (lower-case GUID): partner A, partner B or the operator tenant. */
  tid: string;
  /** User id (GUID), also the `sub`. */
  oid: string;
  roles: string[];
}

export interface LocalOidcProviderOptions {
  /** 0 (the default): any free port. */
  port?: number;
  /** The console's address: redirect URI <url>/auth/callback, post-logout <url>/ (default http://127.0.0.1:3000). */
  consolePublicUrl?: string;
  /** The access tokens' audience, the services' JWT_AUDIENCE (default api://acceptance-gate). */
  audience?: string;
  /** The operator tenant the auditor belongs to (the services' OPERATOR_TENANT_IDS); generated if not given. */
  operatorTenantId?: string;
  /** Where users and keys are kept; default a new temp directory, removed by stop(). */
  cacheDir?: string;
}

export interface LocalOidcProvider {
  issuer: string;
  jwksUrl: string;
  port: number;
  audience: string;
  clientId: string;
  clientSecret: string;
  /** client_secret_post (openid-client 6's default for a client with a secret); PKCE (S256) is required. */
  tokenEndpointAuthMethod: 'client_secret_post';
  redirectUri: string;
  postLogoutRedirectUri: string;
  tenants: { partnerA: string; partnerB: string; operator: string };
  users: Record<LocalOidcUserKey, LocalOidcUser>;
  /** The directory holding local-users.json and provider-keys.json. */
  cacheDir: string;
  /** The provider's stderr so far (for failure messages). */
  log(): string;
  stop(): Promise<void>;
}

interface UsersFile {
  clientId: string;
  clientSecret: string;
  tenants: LocalOidcProvider['tenants'];
  users: Record<LocalOidcUserKey, LocalOidcUser>;
}

interface ReadyLine {
  issuer: string;
  port: number;
  jwksUrl: string;
  clientId: string;
  redirectUri: string;
  audience: string;
  usersFile: string;
}

const READY = 'OIDC_PROVIDER_READY ';

/** Starts scripts/oidc/provider.mjs as a child process and resolves once it listens. */
export async function startLocalOidcProvider(
  opts: LocalOidcProviderOptions = {},
): Promise<LocalOidcProvider> {
  const ownCache = opts.cacheDir === undefined;
  const cacheDir = opts.cacheDir ?? mkdtempSync(join(tmpdir(), 'local-oidc-'));
  const consolePublicUrl = (opts.consolePublicUrl ?? 'http://127.0.0.1:3000').replace(/\/+$/, '');
  const operatorTenantId = opts.operatorTenantId ?? randomUUID();
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    OIDC_PROVIDER_PORT: String(opts.port ?? 0),
    OIDC_CACHE_DIR: cacheDir,
    CONSOLE_PUBLIC_URL: consolePublicUrl,
    OPERATOR_TENANT_IDS: operatorTenantId,
    JWT_AUDIENCE: opts.audience ?? 'api://acceptance-gate',
  };
  delete env.OIDC_ISSUER;
  delete env.OIDC_CLIENT_AUTH_METHOD;
  const child = spawn(process.execPath, [LOCAL_OIDC_PROVIDER_PROGRAM], {
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const exited = new Promise<void>((done) => child.once('exit', () => done()));
  let ready: ReadyLine;
  try {
    ready = await readyLine(child, () => stderr);
  } catch (error) {
    child.kill('SIGKILL');
    if (ownCache) rmSync(cacheDir, { recursive: true, force: true });
    throw error;
  }
  const file = JSON.parse(readFileSync(ready.usersFile, 'utf8')) as UsersFile;
  return {
    issuer: ready.issuer,
    jwksUrl: ready.jwksUrl,
    port: ready.port,
    audience: ready.audience,
    clientId: file.clientId,
    clientSecret: file.clientSecret,
    tokenEndpointAuthMethod: 'client_secret_post',
    redirectUri: ready.redirectUri,
    postLogoutRedirectUri: `${consolePublicUrl}/`,
    tenants: file.tenants,
    users: file.users,
    cacheDir,
    log: () => stderr,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
        await exited;
        clearTimeout(timer);
      }
      if (ownCache) rmSync(cacheDir, { recursive: true, force: true });
    },
  };
}

function readyLine(child: ChildProcess, stderr: () => string): Promise<ReadyLine> {
  return new Promise((done, fail) => {
    let out = '';
    const timer = setTimeout(
      () => fail(new Error(`local OIDC provider did not start in 30 s:\n${stderr()}`)),
      30_000,
    );
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
      out += chunk;
      const line = out.split('\n').find((candidate) => candidate.startsWith(READY));
      if (line && out.includes('\n', out.indexOf(READY))) {
        clearTimeout(timer);
        done(JSON.parse(line.slice(READY.length)) as ReadyLine);
      }
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      fail(new Error(`local OIDC provider exited (${code ?? signal}) before it listened:\n${stderr()}`));
    });
  });
}

// -------------------------------------------------------------------------------------------------------------
// Signing in over plain HTTP, as a browser would: authorization code + PKCE through the provider's login form.

export interface SignInResult {
  accessToken: string;
  idToken: string;
  refreshToken?: string;
  tokenType: string;
  expiresIn: number;
  scope?: string;
}

export interface SignInOptions {
  /** Default `openid profile api`; with `offline_access` the sign-in asks prompt=consent and gets a refresh token. */
  scope?: string;
  /** Answer with this password instead of the user's (a wrong one makes signInWithPassword reject). */
  password?: string;
}

/** A minimal cookie jar for one host: name=value pairs from Set-Cookie, sent back on every request. */
class CookieJar {
  private readonly cookies = new Map<string, string>();

  store(response: Response): void {
    for (const header of response.headers.getSetCookie()) {
      const [pair] = header.split(';');
      const at = pair.indexOf('=');
      const name = pair.slice(0, at).trim();
      const value = pair.slice(at + 1).trim();
      if (/expires=Thu, 01 Jan 1970/i.test(header) || value === '') this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
  }

  header(): string {
    return [...this.cookies].map(([name, value]) => `${name}=${value}`).join('; ');
  }
}

/**
 * Signs `user` in at the provider through its login form and exchanges the code for tokens, as the console
 * does (state, nonce and PKCE S256). Rejects when the password is refused or a step answers unexpectedly.
 */
export async function signInWithPassword(
  provider: Pick<LocalOidcProvider, 'issuer' | 'clientId' | 'clientSecret' | 'redirectUri'>,
  user: Pick<LocalOidcUser, 'username' | 'password'>,
  opts: SignInOptions = {},
): Promise<SignInResult> {
  const jar = new CookieJar();
  const verifier = randomBytes(32).toString('base64url');
  const state = randomBytes(16).toString('base64url');
  const authorize = new URL(`${provider.issuer}/auth`);
  authorize.search = new URLSearchParams({
    client_id: provider.clientId,
    response_type: 'code',
    redirect_uri: provider.redirectUri,
    scope: opts.scope ?? 'openid profile api',
    state,
    nonce: randomBytes(16).toString('base64url'),
    code_challenge: createHash('sha256').update(verifier).digest('base64url'),
    code_challenge_method: 'S256',
    // OIDC Core: offline_access (a refresh token) only with prompt=consent; the provider grants it without a page.
    ...(/\boffline_access\b/.test(opts.scope ?? '') ? { prompt: 'consent' } : {}),
  }).toString();

  const go = async (url: string, init: RequestInit = {}): Promise<Response> => {
    const response = await fetch(url, {
      ...init,
      redirect: 'manual',
      headers: { ...(init.headers as Record<string, string>), cookie: jar.header() },
    });
    jar.store(response);
    return response;
  };

  let response = await go(authorize.href);
  let loggedIn = false;
  for (let hop = 0; hop < 10; hop++) {
    if (response.status >= 300 && response.status < 400) {
      const location = new URL(response.headers.get('location') ?? '', response.url || provider.issuer);
      if (location.href.startsWith(provider.redirectUri)) {
        return exchange(provider, location, state, verifier);
      }
      response = await go(location.href);
      continue;
    }
    const body = await response.text();
    const form = /<form method="post" action="(\/interaction\/[^"]+\/login)"/.exec(body);
    if (response.status === 200 && form && !loggedIn) {
      loggedIn = true;
      response = await go(new URL(form[1], provider.issuer).href, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({
          username: user.username,
          password: opts.password ?? user.password,
        }).toString(),
      });
      continue;
    }
    throw new Error(
      `sign-in of ${user.username} stopped at ${response.status} ${response.url}: ${body.slice(0, 500)}`,
    );
  }
  throw new Error(`sign-in of ${user.username}: too many redirects`);
}

async function exchange(
  provider: Pick<LocalOidcProvider, 'issuer' | 'clientId' | 'clientSecret' | 'redirectUri'>,
  callback: URL,
  state: string,
  verifier: string,
): Promise<SignInResult> {
  if (callback.searchParams.get('error')) {
    throw new Error(
      `sign-in refused: ${callback.searchParams.get('error')} ${callback.searchParams.get('error_description')}`,
    );
  }
  if (callback.searchParams.get('state') !== state) throw new Error('sign-in: the state came back changed');
  const code = callback.searchParams.get('code');
  if (!code) throw new Error(`sign-in: no code in ${callback.href}`);
  const response = await fetch(`${provider.issuer}/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'authorization_code',
      code,
      redirect_uri: provider.redirectUri,
      code_verifier: verifier,
      client_id: provider.clientId,
      client_secret: provider.clientSecret,
    }).toString(),
  });
  const body = (await response.json()) as Record<string, unknown>;
  if (!response.ok) throw new Error(`token exchange refused: ${response.status} ${JSON.stringify(body)}`);
  return {
    accessToken: String(body.access_token),
    idToken: String(body.id_token),
    refreshToken: typeof body.refresh_token === 'string' ? body.refresh_token : undefined,
    tokenType: String(body.token_type),
    expiresIn: Number(body.expires_in),
    scope: typeof body.scope === 'string' ? body.scope : undefined,
  };
}
