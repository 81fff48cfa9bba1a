#!/usr/bin/env node
/*
 * The local OpenID Connect provider of `npm start` and the tests (issue #18): the console signs people in
 * here (authorization code + PKCE) and calls the services with the access token it gets, a JWT the services
 * verify against this provider's JWKS. Run directly: `node scripts/oidc/provider.mjs`.
 *
 * Environment:
 *   OIDC_PROVIDER_PORT   port (default 3010; 0 = any free port, the issuer then names the one chosen)
 *   OIDC_PROVIDER_HOST   interface to listen on (default 127.0.0.1)
 *   OIDC_ISSUER          the issuer (default http://127.0.0.1:<port>)
 *   OIDC_CACHE_DIR       where users, client secret and keys are kept, generated at first start
 *                        (default <repo>/.cache/oidc; never committed)
 *   CONSOLE_PUBLIC_URL   the console's address (default http://127.0.0.1:3000): redirect URI
 *                        <url>/auth/callback, post-logout redirect <url>/
 *   JWT_AUDIENCE         the audience of the access tokens, the services' JWT_AUDIENCE (default api://acceptance-gate)
 *   OPERATOR_TENANT_IDS  the auditor's tenant is the first of them; without it .cache/local-operator-tenant-id,
 *                        as npm start and npm run token use (generated there if missing)
 *
 * When it listens it prints one line to stdout: `OIDC_PROVIDER_READY {"issuer":...,"jwksUrl":...}`.
 */
import { createServer } from 'node:http';
import { generateKeyPairSync, randomBytes, randomUUID, timingSafeEqual, createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync, chmodSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import Provider, { errors } from 'oidc-provider';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const HOST = process.env.OIDC_PROVIDER_HOST || '127.0.0.1';
const REQUESTED_PORT = Number(process.env.OIDC_PROVIDER_PORT ?? 3010);
const CACHE_DIR = resolve(process.env.OIDC_CACHE_DIR || join(ROOT, '.cache', 'oidc'));
const CONSOLE_URL = (process.env.CONSOLE_PUBLIC_URL || 'http://127.0.0.1:3000').replace(/\/+$/, '');
const AUDIENCE = process.env.JWT_AUDIENCE || 'api://acceptance-gate';
/** The one scope of the services' resource server; the access token carries it when asked for. */
const API_SCOPE = 'api';
const CLIENT_ID = 'console';
const TOKEN_TTL_S = 3600;
const USERS_FILE = join(CACHE_DIR, 'local-users.json');
const KEYS_FILE = join(CACHE_DIR, 'provider-keys.json');
/** Where the login page says the passwords are: relative to the repository when inside it. */
const USERS_FILE_SHOWN = USERS_FILE.startsWith(`${ROOT}/`) ? relative(ROOT, USERS_FILE) : USERS_FILE;

function say(message) {
  process.stderr.write(`oidc-provider: ${message}\n`);
}

function writePrivate(file, value) {
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  writeFileSync(file, `${JSON.stringify(value, null, 2)}\n`, { mode: 0o600 });
  chmodSync(file, 0o600);
}

function readJson(file) {
  return JSON.parse(readFileSync(file, 'utf8'));
}

const password = () => randomBytes(12).toString('base64url');

/** The operator tenant (S-03) exactly as scripts/start.sh and scripts/local-secret.ts choose it. */
function operatorTenantId() {
  const configured = process.env.OPERATOR_TENANT_IDS?.split(',')[0]?.trim();
  if (configured) return configured.toLowerCase();
  const file = join(ROOT, '.cache', 'local-operator-tenant-id');
  if (!existsSync(file) || !readFileSync(file, 'utf8').trim()) {
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, randomUUID());
  }
  return readFileSync(file, 'utf8').trim();
}

/** The seeded users: key in local-users.json -> user name, display name, tenant (key of `tenants`), roles. */
const SEEDED_USERS = {
  partnerAdminA: ['partner-a-admin', 'Ada Admin (partner A)', 'partnerA', ['AdminAgent']],
  salesAgentA: ['partner-a-sales', 'Sam Sales (partner A)', 'partnerA', ['SalesAgent']],
  partnerAdminB: ['partner-b-admin', 'Bea Admin (partner B)', 'partnerB', ['AdminAgent']],
  auditor: ['operator-auditor', 'Otto Auditor (operator)', 'operator', ['Auditor']],
  operatorAdmin: ['operator-admin', 'Opal Admin (operator)', 'operator', ['PlatformAdmin']],
};

/**
 * The seeded users, their passwords and the console's client secret: generated once into
 * <cache>/local-users.json (mode 600); a user seeded later is added to an older file. The operator's
 * users follow the current operator tenant.
 */
function loadUsers() {
  const operator = operatorTenantId();
  const state = existsSync(USERS_FILE)
    ? readJson(USERS_FILE)
    : {
        note: 'Local sign-in users of scripts/oidc/provider.mjs (generated; never commit). See docs/console-sign-in.md.',
        clientId: CLIENT_ID,
        clientSecret: randomBytes(24).toString('base64url'),
        tenants: { partnerA: randomUUID(), partnerB: randomUUID(), operator },
        users: {},
      };
  let changed = !existsSync(USERS_FILE) || state.tenants.operator !== operator;
  state.tenants.operator = operator;
  for (const [key, [username, name, tenant, roles]] of Object.entries(SEEDED_USERS)) {
    const tid = state.tenants[tenant];
    if (!state.users[key]) {
      state.users[key] = { username, password: password(), name, tid, oid: randomUUID(), roles };
      changed = true;
    } else if (state.users[key].tid !== tid) {
      state.users[key].tid = tid;
      changed = true;
    }
  }
  if (changed) {
    writePrivate(USERS_FILE, state);
    say(`users and the console's client secret are in ${USERS_FILE}`);
  }
  return state;
}

/** The signing key (RS256) and cookie keys: generated once into <cache>/provider-keys.json (mode 600). */
function loadKeys() {
  if (existsSync(KEYS_FILE)) return readJson(KEYS_FILE);
  const jwk = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ format: 'jwk' });
  const kid = createHash('sha256').update(jwk.n).digest('base64url').slice(0, 16);
  const keys = {
    jwks: { keys: [{ ...jwk, kid, alg: 'RS256', use: 'sig' }] },
    cookieKeys: [randomBytes(32).toString('base64url')],
  };
  writePrivate(KEYS_FILE, keys);
  say(`generated the RS256 signing key ${kid} in ${KEYS_FILE}`);
  return keys;
}

const state = loadUsers();
const keys = loadKeys();
const accounts = new Map(Object.values(state.users).map((user) => [user.oid, user]));

function accountClaims(user) {
  return { sub: user.oid, name: user.name, tid: user.tid, oid: user.oid, roles: [...user.roles] };
}

function findUser(username, secret) {
  const user = Object.values(state.users).find((candidate) => candidate.username === username);
  const expected = Buffer.from(user?.password ?? password());
  const given = Buffer.from(String(secret ?? ''));
  const same = given.length === expected.length && timingSafeEqual(given, expected);
  return user && same ? user : undefined;
}

// ---------------------------------------------------------------------------------------------------------
// Pages: plain, accessible HTML (labels, lang, one h1, visible focus), no scripts.

const esc = (text) =>
  String(text).replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c],
  );

const STYLE = `body{font-family:system-ui,sans-serif;max-width:28rem;margin:2rem auto;padding:0 1rem;line-height:1.5;color:#1b1b1b;background:#fff}
label{display:block;margin-top:1rem;font-weight:600}input{display:block;width:100%;box-sizing:border-box;padding:.5rem;font-size:1rem;border:1px solid #555;border-radius:4px}
button{margin-top:1.25rem;padding:.6rem 1.2rem;font-size:1rem;border:0;border-radius:4px;background:#0b5cad;color:#fff;cursor:pointer}
button.secondary{background:#eee;color:#1b1b1b;border:1px solid #555}
:focus-visible{outline:3px solid #b35c00;outline-offset:2px}.error{color:#a00000;font-weight:600}code{font-size:.95em}`;

function page(title, body) {
  return `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(title)} · local sign-in</title><style>${STYLE}</style></head>
<body><main>
<h1>${esc(title)}</h1>
${body}
</main></body>
</html>`;
}

function loginPage(uid, { error, username } = {}) {
  return page(
    'Sign in',
    `<p>Local sign-in for the acceptance gate console. The users and their passwords are in
<code>${esc(USERS_FILE_SHOWN)}</code> (see docs/console-sign-in.md).</p>
${error ? `<p class="error" role="alert" id="login-error">${esc(error)}</p>` : ''}
<form method="post" action="/interaction/${esc(uid)}/login">
<label for="username">User name</label>
<input id="username" name="username" autocomplete="username" required autofocus value="${esc(username ?? '')}"${error ? ' aria-describedby="login-error"' : ''}>
<label for="password">Password</label>
<input id="password" name="password" type="password" autocomplete="current-password" required>
<button type="submit">Sign in</button>
</form>
<form method="post" action="/interaction/${esc(uid)}/abort"><button type="submit" class="secondary">Cancel</button></form>`,
  );
}

function send(res, status, html) {
  res.writeHead(status, {
    'content-type': 'text/html; charset=utf-8',
    'cache-control': 'no-store',
    'content-security-policy':
      "default-src 'none'; style-src 'unsafe-inline'; form-action 'self' " + CONSOLE_URL,
    'x-frame-options': 'DENY',
  });
  res.end(html);
}

async function readForm(req) {
  const chunks = [];
  let size = 0;
  for await (const chunk of req) {
    size += chunk.length;
    if (size > 16_384) throw new Error('form too large');
    chunks.push(chunk);
  }
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}

// ---------------------------------------------------------------------------------------------------------

function configuration() {
  return {
    clients: [
      {
        client_id: state.clientId,
        client_secret: state.clientSecret,
        client_name: 'Acceptance gate console',
        // openid-client 6 sends a client secret in the form body unless told otherwise.
        token_endpoint_auth_method: process.env.OIDC_CLIENT_AUTH_METHOD || 'client_secret_post',
        redirect_uris: [`${CONSOLE_URL}/auth/callback`],
        post_logout_redirect_uris: [`${CONSOLE_URL}/`],
        grant_types: ['authorization_code', 'refresh_token'],
        response_types: ['code'],
      },
    ],
    pkce: { required: () => true },
    jwks: { keys: keys.jwks.keys },
    cookies: { keys: keys.cookieKeys },
    // tid, oid and roles travel with the openid scope: every ID token has them, as has every access token.
    claims: { openid: ['sub', 'tid', 'oid', 'roles'], profile: ['name'] },
    scopes: ['openid', 'profile', 'offline_access', API_SCOPE],
    // The console reads the user from the ID token (the access token is the services'), so it carries them.
    conformIdTokenClaims: false,
    findAccount: (ctx, id) => {
      const user = accounts.get(id);
      return user ? { accountId: id, claims: () => accountClaims(user) } : undefined;
    },
    extraTokenClaims: (ctx, token) => {
      if (token.kind !== 'AccessToken') return undefined;
      const user = accounts.get(token.accountId);
      return user ? { tid: user.tid, oid: user.oid, roles: [...user.roles] } : undefined;
    },
    // A first-party client: what it asks for is granted, no consent page.
    loadExistingGrant: async (ctx) => {
      const { oidc } = ctx;
      const grantId = oidc.result?.consent?.grantId || oidc.session.grantIdFor(oidc.client.clientId);
      const grant = grantId
        ? await oidc.provider.Grant.find(grantId)
        : new oidc.provider.Grant({ clientId: oidc.client.clientId, accountId: oidc.session.accountId });
      if (!grant) return undefined;
      grant.addOIDCScope([...oidc.requestParamOIDCScopes].join(' '));
      if (oidc.requestParamClaims.size) grant.addOIDCClaims([...oidc.requestParamClaims]);
      for (const [indicator, server] of Object.entries(oidc.resourceServers ?? {})) {
        grant.addResourceScope(indicator, [...server.scopes].join(' '));
      }
      await grant.save();
      return grant;
    },
    features: {
      devInteractions: { enabled: false },
      rpInitiatedLogout: {
        enabled: true,
        logoutSource: (ctx, form) => {
          ctx.type = 'html';
          ctx.body = page(
            'Sign out',
            `<p>Sign out of the local sign-in?</p>${form}
<button type="submit" form="op.logoutForm" name="logout" value="yes" autofocus>Yes, sign me out</button>
<button type="submit" form="op.logoutForm" class="secondary">No, stay signed in</button>`,
          );
        },
        postLogoutSuccessSource: (ctx) => {
          ctx.type = 'html';
          ctx.body = page(
            'Signed out',
            `<p>You are signed out. <a href="${esc(CONSOLE_URL)}/">Back to the console</a></p>`,
          );
        },
      },
      resourceIndicators: {
        enabled: true,
        // The console need not name the resource: its access tokens are always the services'.
        defaultResource: () => AUDIENCE,
        useGrantedResource: () => true,
        getResourceServerInfo: (ctx, indicator) => {
          if (indicator !== AUDIENCE) throw new errors.InvalidTarget();
          return {
            scope: API_SCOPE,
            audience: AUDIENCE,
            accessTokenTTL: TOKEN_TTL_S,
            accessTokenFormat: 'jwt',
            jwt: { sign: { alg: 'RS256' } },
          };
        },
      },
    },
    ttl: {
      AccessToken: TOKEN_TTL_S,
      IdToken: TOKEN_TTL_S,
      Session: 8 * 3600,
      Interaction: 600,
      Grant: 8 * 3600,
    },
    renderError: (ctx, out) => {
      ctx.type = 'html';
      ctx.body = page(
        'Sign-in error',
        `<p class="error" role="alert">${esc(out.error)}${out.error_description ? `: ${esc(out.error_description)}` : ''}</p>
<p><a href="${esc(CONSOLE_URL)}/">Back to the console</a></p>`,
      );
    },
  };
}

async function interaction(provider, req, res) {
  const url = new URL(req.url, 'http://local');
  const [, , uid, action] = url.pathname.split('/');
  if (req.method === 'GET' && !action) {
    const details = await provider.interactionDetails(req, res);
    if (details.uid !== uid) return send(res, 400, page('Sign-in error', '<p>This sign-in has expired.</p>'));
    if (details.prompt.name === 'login') return send(res, 200, loginPage(uid));
    // Any other prompt (consent): a first-party client is granted what it asked for.
    const grant = details.grantId
      ? await provider.Grant.find(details.grantId)
      : new provider.Grant({ accountId: details.session.accountId, clientId: details.params.client_id });
    const missing = details.prompt.details;
    if (missing.missingOIDCScope) grant.addOIDCScope(missing.missingOIDCScope.join(' '));
    if (missing.missingOIDCClaims) grant.addOIDCClaims(missing.missingOIDCClaims);
    for (const [indicator, scopes] of Object.entries(missing.missingResourceScopes ?? {})) {
      grant.addResourceScope(indicator, scopes.join(' '));
    }
    const grantId = await grant.save();
    return provider.interactionFinished(
      req,
      res,
      { consent: { grantId } },
      { mergeWithLastSubmission: true },
    );
  }
  if (req.method === 'POST' && action === 'login') {
    const details = await provider.interactionDetails(req, res);
    if (details.uid !== uid) return send(res, 400, page('Sign-in error', '<p>This sign-in has expired.</p>'));
    const form = await readForm(req);
    const username = form.get('username') ?? '';
    const user = findUser(username, form.get('password'));
    if (!user)
      return send(res, 401, loginPage(uid, { error: 'The user name or password is not right.', username }));
    return provider.interactionFinished(
      req,
      res,
      { login: { accountId: user.oid } },
      { mergeWithLastSubmission: false },
    );
  }
  if (req.method === 'POST' && action === 'abort') {
    return provider.interactionFinished(
      req,
      res,
      { error: 'access_denied', error_description: 'The user cancelled the sign-in.' },
      { mergeWithLastSubmission: false },
    );
  }
  return send(res, 404, page('Not found', '<p>No such page.</p>'));
}

async function main() {
  let handler = (req, res) => {
    res.writeHead(503).end();
  };
  const server = createServer((req, res) => handler(req, res));
  await new Promise((done, fail) => {
    server.once('error', fail);
    server.listen(REQUESTED_PORT, HOST, done);
  });
  const port = server.address().port;
  const issuer = (process.env.OIDC_ISSUER || `http://127.0.0.1:${port}`).replace(/\/+$/, '');
  const provider = new Provider(issuer, configuration());
  provider.on('server_error', (ctx, error) => say(`server error: ${error.stack ?? error}`));
  const callback = provider.callback();
  handler = (req, res) => {
    if (req.url.startsWith('/interaction/')) {
      interaction(provider, req, res).catch((error) => {
        if (error instanceof errors.SessionNotFound || error.name === 'SessionNotFound') {
          send(
            res,
            400,
            page('Sign-in error', '<p>This sign-in has expired: start again from the console.</p>'),
          );
        } else {
          say(`interaction failed: ${error.stack ?? error}`);
          if (!res.headersSent) send(res, 500, page('Sign-in error', '<p>Something went wrong.</p>'));
        }
      });
      return;
    }
    if (req.url === '/health') {
      res.writeHead(200, { 'content-type': 'text/plain' }).end('ok\n');
      return;
    }
    callback(req, res);
  };
  const ready = {
    issuer,
    port,
    jwksUrl: `${issuer}/jwks`,
    clientId: state.clientId,
    redirectUri: `${CONSOLE_URL}/auth/callback`,
    audience: AUDIENCE,
    usersFile: USERS_FILE,
  };
  process.stdout.write(`OIDC_PROVIDER_READY ${JSON.stringify(ready)}\n`);
  say(`listening at ${issuer} (users in ${USERS_FILE})`);
  const stop = () => {
    server.close(() => process.exit(0));
    server.closeAllConnections();
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

main().catch((error) => {
  say(`cannot start: ${error.stack ?? error}`);
  process.exit(1);
});
