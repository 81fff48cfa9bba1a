// JwtAuthGuard token rules: signature, algorithm, expiry, issuer/audience, key sources, and role checks on routes.
import type { NestExpressApplication } from '@nestjs/platform-express';
import { exportJWK, exportSPKI, generateKeyPair, SignJWT, type KeyLike } from 'jose';
import { createSecretKey } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import { createPlatformTestApp, TEST_JWT_SECRET, testConfig } from '../testing/platform-test-app';
import { signHs256Token, type DevTokenClaims } from './dev-token';
import { JwtVerifier } from './jwt-verifier';
import {
  agent,
  customer,
  ProbeController,
  PARTNER_TENANT,
  CUSTOMER_TENANT,
  USER,
  unsigned,
} from './jwt-auth.guard.fixtures';

const ISSUER = 'https://login.test/';
const AUDIENCE = 'api://acceptance-gate';
/** A real identity provider's settings: its keys (added by each test), issuer and audience, no HS256 secret. */
const IDENTITY_PROVIDER = { JWT_SECRET: '', JWT_ISSUER: ISSUER, JWT_AUDIENCE: AUDIENCE };

async function signWith(
  alg: 'RS256' | 'ES256',
  key: KeyLike,
  claims: DevTokenClaims,
  kid?: string,
): Promise<string> {
  return new SignJWT(claims)
    .setProtectedHeader(kid ? { alg, kid } : { alg })
    .setIssuer(ISSUER)
    .setAudience(AUDIENCE)
    .setExpirationTime('5m')
    .sign(key);
}

describe('JwtAuthGuard with HS256', () => {
  let app: NestExpressApplication;
  const get = (path: string, token?: string) => {
    const call = request(app.getHttpServer()).get(path);
    return token ? call.set('Authorization', `Bearer ${token}`) : call;
  };

  beforeAll(async () => {
    app = await createPlatformTestApp([ProbeController]);
  });
  afterAll(() => app.close());

  it('lets anyone reach a public route', async () => {
    await get('/probe/public').expect(200, { ok: true });
  });

  it('attaches the principal from a valid token', async () => {
    const token = await signHs256Token(TEST_JWT_SECRET, agent(['SalesAgent']));
    const response = await get('/probe/any', token).expect(200);
    expect(response.body).toEqual({
      tenantId: PARTNER_TENANT,
      userId: USER,
      roles: ['SalesAgent'],
      isCustomer: false,
      actsAsOperator: false,
    });
  });

  it('answers 401 in Partner Center shape without a token', async () => {
    const response = await get('/probe/any').expect(401);
    expect(response.body).toEqual({
      code: 610002,
      errorName: 'Unauthorized',
      description: expect.stringContaining('Authorization: Bearer'),
      isRetryable: false,
      parameters: {},
    });
    expect(response.headers['www-authenticate']).toBe('Bearer');
    expect(response.headers['ms-correlationid']).toBeDefined();
  });

  it('refuses an expired token', async () => {
    const token = await signHs256Token(TEST_JWT_SECRET, agent(['SalesAgent']), { expiresIn: '-1m' });
    const response = await get('/probe/any', token).expect(401);
    expect(response.body.description).toMatch(/expired/);
  });

  it('refuses a token without exp', async () => {
    const noExp = await new SignJWT(agent(['SalesAgent']))
      .setProtectedHeader({ alg: 'HS256' })
      .sign(createSecretKey(Buffer.from(TEST_JWT_SECRET)));
    const response = await get('/probe/any', noExp).expect(401);
    expect(response.body.description).toContain('"exp"');
  });

  it('refuses a token signed with another secret', async () => {
    const token = await signHs256Token('another-secret-of-at-least-32-characters!', agent(['SalesAgent']));
    await get('/probe/any', token).expect(401);
  });

  it('refuses alg none', async () => {
    const response = await get('/probe/any', unsigned(agent(['AdminAgent']))).expect(401);
    expect(response.body.errorName).toBe('Unauthorized');
  });

  it('refuses garbage', async () => {
    await get('/probe/any', 'not-a-jwt').expect(401);
    await request(app.getHttpServer())
      .get('/probe/any')
      .set('Authorization', 'Basic dXNlcjpwdw==')
      .expect(401);
  });

  it.each([
    ['an upper-case tid', { tid: PARTNER_TENANT.toUpperCase(), oid: USER, roles: [] }],
    ['a tid that is no GUID', { tid: 'contoso', oid: USER, roles: [] }],
    ['no oid', { tid: PARTNER_TENANT, roles: [] }],
    ['roles that are not an array', { tid: PARTNER_TENANT, oid: USER, roles: 'AdminAgent' }],
  ])('refuses a token with %s', async (_case, claims) => {
    const token = await signHs256Token(TEST_JWT_SECRET, claims as unknown as DevTokenClaims);
    await get('/probe/any', token).expect(401);
  });

  it('answers 403 when no required role is held', async () => {
    const token = await signHs256Token(TEST_JWT_SECRET, agent(['SalesAgent']));
    const response = await get('/probe/admin', token).expect(403);
    expect(response.body).toMatchObject({ code: 610003, errorName: 'Forbidden' });
    expect(response.body.description).toContain('AdminAgent, PlatformAdmin');
  });

  it('lets any one of the required roles through', async () => {
    const token = await signHs256Token(TEST_JWT_SECRET, agent(['SalesAgent', 'AdminAgent']));
    await get('/probe/admin', token).expect(200);
  });

  it('keeps a customer token off partner routes', async () => {
    const token = await signHs256Token(TEST_JWT_SECRET, customer());
    const response = await get('/probe/any', token).expect(403);
    expect(response.body.description).toMatch(/customer token cannot call a partner operation/);
  });

  it('keeps a partner token off customer routes', async () => {
    const token = await signHs256Token(TEST_JWT_SECRET, agent(['AdminAgent']));
    const response = await get('/probe/customer', token).expect(403);
    expect(response.body.description).toMatch(/partner token cannot act as a customer/);
  });

  it('lets a customer token reach a customer route', async () => {
    const token = await signHs256Token(TEST_JWT_SECRET, customer());
    const response = await get('/probe/customer', token).expect(200);
    expect(response.body).toMatchObject({ tenantId: CUSTOMER_TENANT, isCustomer: true });
  });

  it('refuses an RS256 token when only a secret is configured', async () => {
    const { privateKey } = await generateKeyPair('RS256');
    await get('/probe/any', await signWith('RS256', privateKey, agent(['AdminAgent']))).expect(401);
  });
});

describe('JwtAuthGuard with issuer and audience', () => {
  let app: NestExpressApplication;
  beforeAll(async () => {
    app = await createPlatformTestApp(
      [ProbeController],
      testConfig({ JWT_ISSUER: 'https://login.test/', JWT_AUDIENCE: 'api://acceptance-gate' }),
    );
  });
  afterAll(() => app.close());

  const call = (token: string) =>
    request(app.getHttpServer()).get('/probe/any').set('Authorization', `Bearer ${token}`);

  it('accepts the configured issuer and audience', async () => {
    const token = await signHs256Token(TEST_JWT_SECRET, agent(['AdminAgent']), {
      issuer: 'https://login.test/',
      audience: 'api://acceptance-gate',
    });
    await call(token).expect(200);
  });

  it('refuses another audience, or none', async () => {
    const other = await signHs256Token(TEST_JWT_SECRET, agent(['AdminAgent']), {
      issuer: 'https://login.test/',
      audience: 'api://something-else',
    });
    const response = await call(other).expect(401);
    expect(response.body.description).toContain('"aud"');
    const none = await signHs256Token(TEST_JWT_SECRET, agent(['AdminAgent']), {
      issuer: 'https://login.test/',
    });
    await call(none).expect(401);
  });

  it('refuses another issuer', async () => {
    const token = await signHs256Token(TEST_JWT_SECRET, agent(['AdminAgent']), {
      issuer: 'https://evil.test/',
      audience: 'api://acceptance-gate',
    });
    await call(token).expect(401);
  });
});

describe.each(['RS256', 'ES256'] as const)('JwtAuthGuard with a %s public key', (alg) => {
  let app: NestExpressApplication;
  let privateKey: KeyLike;
  let publicKeyPem: string;

  beforeAll(async () => {
    const pair = await generateKeyPair(alg);
    privateKey = pair.privateKey;
    publicKeyPem = await exportSPKI(pair.publicKey);
    app = await createPlatformTestApp(
      [ProbeController],
      testConfig({ ...IDENTITY_PROVIDER, JWT_PUBLIC_KEY: publicKeyPem.replace(/\n/g, '\\n') }),
    );
  });
  afterAll(() => app.close());

  const call = (token: string) =>
    request(app.getHttpServer()).get('/probe/any').set('Authorization', `Bearer ${token}`);

  it('accepts a token signed with the matching private key', async () => {
    const response = await call(await signWith(alg, privateKey, agent(['HelpdeskAgent']))).expect(200);
    expect(response.body).toMatchObject({ tenantId: PARTNER_TENANT, roles: ['HelpdeskAgent'] });
  });

  it('refuses a token signed with another key', async () => {
    const other = await generateKeyPair(alg);
    await call(await signWith(alg, other.privateKey, agent(['HelpdeskAgent']))).expect(401);
  });

  it('refuses the other asymmetric algorithm', async () => {
    const otherAlg = alg === 'RS256' ? 'ES256' : 'RS256';
    const other = await generateKeyPair(otherAlg);
    await call(await signWith(otherAlg, other.privateKey, agent(['HelpdeskAgent']))).expect(401);
  });

  it('refuses HS256, even signed with the public key as the secret', async () => {
    const forged = await signHs256Token(publicKeyPem, agent(['PlatformAdmin']), {
      issuer: ISSUER,
      audience: AUDIENCE,
    });
    await call(forged).expect(401);
  });
});

describe('S-03: JwtAuthGuard with keys from a JWKS URL on a loopback host', () => {
  let app: NestExpressApplication;
  let keyServer: Server;
  let privateKey: KeyLike;

  beforeAll(async () => {
    const pair = await generateKeyPair('RS256');
    privateKey = pair.privateKey;
    const jwk = { ...(await exportJWK(pair.publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' };
    keyServer = createServer((_req, res) => {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ keys: [jwk] }));
    });
    await new Promise<void>((resolve) => keyServer.listen(0, '127.0.0.1', resolve));
    const { port } = keyServer.address() as AddressInfo;
    app = await createPlatformTestApp(
      [ProbeController],
      testConfig({ ...IDENTITY_PROVIDER, JWT_JWKS_URL: `http://127.0.0.1:${port}/keys` }),
    );
  });
  afterAll(async () => {
    await app.close();
    await new Promise((resolve) => keyServer.close(resolve));
  });
  const call = (token: string) =>
    request(app.getHttpServer()).get('/probe/any').set('Authorization', `Bearer ${token}`);

  it('S-03: accepts a token signed with a key of the set, with the right issuer and audience', async () => {
    await call(await signWith('RS256', privateKey, agent(['AdminAgent']), 'k1')).expect(200);
  });

  it('S-03: refuses the same token for another audience', async () => {
    const other = await new SignJWT(agent(['AdminAgent']))
      .setProtectedHeader({ alg: 'RS256', kid: 'k1' })
      .setIssuer(ISSUER)
      .setAudience('api://another-app')
      .setExpirationTime('5m')
      .sign(privateKey);
    await call(other).expect(401);
  });

  it('S-03: never accepts HS256 beside a key set, even if a secret slipped past the configuration', async () => {
    const secret = 'a-secret-that-the-configuration-would-refuse!!';
    const config = { ...testConfig({ ...IDENTITY_PROVIDER, JWT_JWKS_URL: 'https://keys.test/' }) };
    const verifier = new JwtVerifier({ ...config, jwt: { ...config.jwt, secret } });
    const forged = await signHs256Token(secret, agent(['AdminAgent']), {
      issuer: ISSUER,
      audience: AUDIENCE,
    });
    await expect(verifier.verify(forged)).rejects.toMatchObject({ errorName: 'Unauthorized' });
  });
});
