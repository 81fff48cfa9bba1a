#!/usr/bin/env node
/*
 * Signs a seeded user in at the local OIDC provider with openid-client 6 (the console's library: discovery,
 * authorization code + PKCE + state + nonce, ID token validation) and prints the access token, e.g.
 *
 *   TOKEN=$(node scripts/oidc/sign-in.mjs partnerAdminA)        # or the user name: partner-a-admin
 *   curl -H "Authorization: Bearer $TOKEN" http://127.0.0.1:3004/v1/audit/events
 *   node scripts/oidc/sign-in.mjs auditor --json                # tokens and the ID token's claims
 *
 * The login form is answered over plain HTTP, as a browser would. Environment: OIDC_ISSUER (default
 * http://127.0.0.1:3010), OIDC_CACHE_DIR (default <repo>/.cache/oidc: local-users.json), CONSOLE_PUBLIC_URL
 * (default http://127.0.0.1:3000: the redirect URI the provider was started with; nothing needs to listen there).
 */
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as client from 'openid-client';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const ISSUER = (process.env.OIDC_ISSUER || 'http://127.0.0.1:3010').replace(/\/+$/, '');
const CACHE_DIR = resolve(process.env.OIDC_CACHE_DIR || join(ROOT, '.cache', 'oidc'));
const CONSOLE_URL = (process.env.CONSOLE_PUBLIC_URL || 'http://127.0.0.1:3000').replace(/\/+$/, '');

function fail(message) {
  process.stderr.write(`sign-in: ${message}\n`);
  process.exit(1);
}

const [who, ...flags] = process.argv.slice(2);
const state = JSON.parse(readFileSync(join(CACHE_DIR, 'local-users.json'), 'utf8'));
const user = state.users[who] ?? Object.values(state.users).find((candidate) => candidate.username === who);
if (!user) fail(`no user ${JSON.stringify(who)}; one of: ${Object.keys(state.users).join(', ')}`);

/** A browser's cookie jar for the provider's host, enough for its session and interaction cookies. */
const jar = new Map();
async function go(url, init = {}) {
  const cookie = [...jar].map(([name, value]) => `${name}=${value}`).join('; ');
  const response = await fetch(url, { ...init, redirect: 'manual', headers: { ...init.headers, cookie } });
  for (const header of response.headers.getSetCookie()) {
    const [pair] = header.split(';');
    const at = pair.indexOf('=');
    jar.set(pair.slice(0, at).trim(), pair.slice(at + 1).trim());
  }
  return response;
}

// http:// is allowed for the local provider only (openid-client refuses it unless told).
const insecure =
  new URL(ISSUER).protocol === 'http:' ? { execute: [client.allowInsecureRequests] } : undefined;
const config = await client.discovery(
  new URL(ISSUER),
  state.clientId,
  state.clientSecret,
  undefined,
  insecure,
);
const redirectUri = `${CONSOLE_URL}/auth/callback`;
const verifier = client.randomPKCECodeVerifier();
const expectedState = client.randomState();
const expectedNonce = client.randomNonce();
const authorize = client.buildAuthorizationUrl(config, {
  redirect_uri: redirectUri,
  scope: 'openid profile',
  code_challenge: await client.calculatePKCECodeChallenge(verifier),
  code_challenge_method: 'S256',
  state: expectedState,
  nonce: expectedNonce,
});

let response = await go(authorize.href);
let callback;
let answered = false;
for (let hop = 0; hop < 10 && !callback; hop++) {
  if (response.status >= 300 && response.status < 400) {
    const location = new URL(response.headers.get('location'), ISSUER);
    if (location.href.startsWith(redirectUri)) callback = location;
    else response = await go(location.href);
    continue;
  }
  const body = await response.text();
  const form = /<form method="post" action="(\/interaction\/[^"]+\/login)"/.exec(body);
  if (!form || answered) fail(`the sign-in stopped at ${response.status}: ${body.slice(0, 300)}`);
  answered = true;
  response = await go(new URL(form[1], ISSUER).href, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ username: user.username, password: user.password }).toString(),
  });
}
if (!callback) fail('too many redirects');

const tokens = await client.authorizationCodeGrant(config, callback, {
  pkceCodeVerifier: verifier,
  expectedState,
  expectedNonce,
});
if (flags.includes('--json')) {
  const out = { access_token: tokens.access_token, id_token: tokens.id_token, claims: tokens.claims() };
  process.stdout.write(`${JSON.stringify(out)}\n`);
} else {
  process.stdout.write(`${tokens.access_token}\n`);
}
