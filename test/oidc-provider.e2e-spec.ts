// Issue #18: the local OIDC provider itself (scripts/oidc/provider.mjs): its generated users and keys under
// .cache (kept across restarts, readable by the owner only), and its login page in a headless browser.
import { createHash, randomBytes } from 'crypto';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'fs';
import { createServer, type Server } from 'http';
import type { AddressInfo } from 'net';
import { tmpdir } from 'os';
import { join } from 'path';
import { createRemoteJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import type { Browser } from 'playwright-core';
import {
  LocalOidcProvider,
  signInWithPassword,
  startLocalOidcProvider,
} from '@app/testing/local-oidc-provider';
import { launchChromium, seriousAxeViolations } from './browser.harness';

describe('Issue #18: the local OIDC provider keeps its users and keys in its cache directory', () => {
  const cacheDir = mkdtempSync(join(tmpdir(), 'oidc-restart-'));
  afterAll(() => rmSync(cacheDir, { recursive: true, force: true }));

  it('generates users, client secret and signing key once (mode 600), and keeps them across a restart', async () => {
    const first = await startLocalOidcProvider({ cacheDir });
    let issued: string;
    try {
      for (const file of ['local-users.json', 'provider-keys.json']) {
        expect(statSync(join(cacheDir, file)).mode & 0o777).toBe(0o600);
      }
      const users = Object.values(first.users);
      expect(users.map((u) => u.roles)).toEqual([
        ['AdminAgent'],
        ['SalesAgent'],
        ['AdminAgent'],
        ['Auditor'],
        ['PlatformAdmin'],
      ]);
      expect(new Set(users.map((u) => u.password)).size).toBe(users.length);
      expect(first.users.partnerAdminA.tid).toBe(first.users.salesAgentA.tid);
      expect(first.users.partnerAdminB.tid).not.toBe(first.users.partnerAdminA.tid);
      issued = (await signInWithPassword(first, first.users.partnerAdminB)).accessToken;
    } finally {
      await first.stop();
    }
    const second = await startLocalOidcProvider({ cacheDir, operatorTenantId: first.tenants.operator });
    try {
      expect(second.users).toEqual(first.users);
      expect(second.clientSecret).toBe(first.clientSecret);
      // A token issued before the restart still verifies against the restarted provider's key set.
      const { payload } = await jwtVerify(issued, createRemoteJWKSet(new URL(second.jwksUrl)), {
        audience: second.audience,
      });
      expect(payload).toMatchObject({ tid: first.users.partnerAdminB.tid, roles: ['AdminAgent'] });
      expect(decodeProtectedHeader(issued).kid).toBeDefined();
    } finally {
      await second.stop();
    }
  });

  it('adds a user seeded later to an older users file, keeping the users and secret it holds', async () => {
    const oldDir = mkdtempSync(join(tmpdir(), 'oidc-older-'));
    try {
      const first = await startLocalOidcProvider({ cacheDir: oldDir });
      await first.stop();
      const file = join(oldDir, 'local-users.json');
      const older = JSON.parse(readFileSync(file, 'utf8'));
      delete older.users.operatorAdmin;
      writeFileSync(file, JSON.stringify(older), { mode: 0o600 });
      const second = await startLocalOidcProvider({
        cacheDir: oldDir,
        operatorTenantId: first.tenants.operator,
      });
      await second.stop();
      expect(second.users.operatorAdmin).toMatchObject({
        tid: first.tenants.operator,
        roles: ['PlatformAdmin'],
      });
      expect({ ...second.users, operatorAdmin: undefined }).toEqual({
        ...older.users,
        operatorAdmin: undefined,
      });
      expect(second.clientSecret).toBe(first.clientSecret);
    } finally {
      rmSync(oldDir, { recursive: true, force: true });
    }
  });

  it("gives the auditor the operator tenant it is started with (the services' OPERATOR_TENANT_IDS)", async () => {
    const operatorTenantId = '0a0b0c0d-0e0f-4a1b-8c2d-3e4f5a6b7c8d';
    const provider = await startLocalOidcProvider({ cacheDir, operatorTenantId });
    try {
      expect(provider.users.auditor.tid).toBe(operatorTenantId);
      expect(provider.users.operatorAdmin.tid).toBe(operatorTenantId);
      expect(provider.tenants.operator).toBe(operatorTenantId);
      const { idToken } = await signInWithPassword(provider, provider.users.auditor);
      const { payload } = await jwtVerify(idToken, createRemoteJWKSet(new URL(provider.jwksUrl)), {
        issuer: provider.issuer,
        audience: provider.clientId,
      });
      expect(payload).toMatchObject({ tid: operatorTenantId, roles: ['Auditor'] });
    } finally {
      await provider.stop();
    }
  });
});

/** The PKCE pair of the browser's sign-in (S256). */
const PKCE_VERIFIER = randomBytes(32).toString('base64url');
const PKCE_CHALLENGE = createHash('sha256').update(PKCE_VERIFIER).digest('base64url');

describe('Issue #18: signing in through the login page in a headless browser', () => {
  let browser: Browser;
  let provider: LocalOidcProvider;
  let stubConsole: Server;
  /** The query strings the stand-in console received at /auth/callback. */
  const callbacks: URLSearchParams[] = [];

  beforeAll(async () => {
    stubConsole = createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://console');
      if (url.pathname === '/auth/callback') callbacks.push(url.searchParams);
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end('<!doctype html><html lang="en"><title>console</title><h1>console</h1></html>');
    });
    await new Promise<void>((resolve) => stubConsole.listen(0, '127.0.0.1', resolve));
    const consolePublicUrl = `http://127.0.0.1:${(stubConsole.address() as AddressInfo).port}`;
    [provider, browser] = await Promise.all([startLocalOidcProvider({ consolePublicUrl }), launchChromium()]);
  }, 60000);

  afterAll(async () => {
    await browser?.close();
    await provider?.stop();
    await new Promise((resolve) => stubConsole.close(resolve));
  });

  function authorizeUrl(): string {
    const url = new URL(`${provider.issuer}/auth`);
    url.search = new URLSearchParams({
      client_id: provider.clientId,
      response_type: 'code',
      redirect_uri: provider.redirectUri,
      scope: 'openid profile',
      state: 'browser-state',
      code_challenge: PKCE_CHALLENGE,
      code_challenge_method: 'S256',
    }).toString();
    return url.href;
  }

  it('shows a labelled, accessible login form; a wrong password is announced; the right one returns a code; sign-out returns to the console', async () => {
    const page = await browser.newPage();
    try {
      await page.goto(authorizeUrl());
      expect(await page.title()).toContain('Sign in');
      expect(await seriousAxeViolations(page)).toEqual([]);

      await page.getByLabel('User name').fill(provider.users.salesAgentA.username);
      await page.getByLabel('Password').fill('not-the-password');
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.getByRole('alert').waitFor();
      expect(await page.getByRole('alert').textContent()).toContain('not right');
      expect(await seriousAxeViolations(page)).toEqual([]);
      expect(callbacks).toHaveLength(0);

      await page.getByLabel('Password').fill(provider.users.salesAgentA.password);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.waitForURL((url) => url.href.startsWith(provider.redirectUri));
      expect(callbacks).toHaveLength(1);
      expect(callbacks[0].get('state')).toBe('browser-state');
      expect(callbacks[0].get('code')).toEqual(expect.any(String));
      expect(callbacks[0].get('error')).toBeNull();

      // RP-initiated logout, as the console does it: confirm, then back at the console's post-logout URI.
      const tokens = (await (
        await fetch(`${provider.issuer}/token`, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: new URLSearchParams({
            grant_type: 'authorization_code',
            code: callbacks[0].get('code')!,
            redirect_uri: provider.redirectUri,
            code_verifier: PKCE_VERIFIER,
            client_id: provider.clientId,
            client_secret: provider.clientSecret,
          }),
        })
      ).json()) as { id_token: string };
      expect(tokens.id_token).toEqual(expect.any(String));
      const logout = new URL(`${provider.issuer}/session/end`);
      logout.search = new URLSearchParams({
        id_token_hint: tokens.id_token,
        post_logout_redirect_uri: provider.postLogoutRedirectUri,
      }).toString();
      await page.goto(logout.href);
      expect(await seriousAxeViolations(page)).toEqual([]);
      await page.getByRole('button', { name: 'Yes, sign me out' }).click();
      await page.waitForURL(provider.postLogoutRedirectUri);

      // Signed out: the next sign-in asks for the password again.
      await page.goto(authorizeUrl());
      await page.getByLabel('Password').waitFor();
    } finally {
      await page.close();
    }
  });
});
