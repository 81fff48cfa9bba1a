// Issue #18: the local OpenID Connect provider of `npm start` (scripts/oidc/provider.mjs) signs users in with
// authorization code + PKCE, and the services accept its access tokens beside the local HS256 secret.
// The provider runs as a child process (oidc-provider is ESM-only); the services run in this process on the
// real broker and database.
import { execFile } from 'child_process';
import { randomUUID } from 'crypto';
import { join } from 'path';
import { promisify } from 'util';
import { createRemoteJWKSet, decodeProtectedHeader, generateKeyPair, jwtVerify, SignJWT } from 'jose';
import {
  createTestDatabase,
  eventually,
  OPERATOR_TENANT_ID,
  RunningService,
  startService,
  TEST_JWT_SECRET,
  TestDatabase,
  uniqueGroupPrefix,
} from '@app/testing';
import {
  LOCAL_OIDC_PROVIDER_PROGRAM,
  LocalOidcProvider,
  signInWithPassword,
  startLocalOidcProvider,
} from '@app/testing/local-oidc-provider';
import { AttestationModule } from '../apps/attestation/src/attestation.module';
import { AuditModule } from '../apps/audit/src/audit.module';
import { ResellerRelationshipModule } from '../apps/reseller-relationship/src/reseller-relationship.module';

const MCA_TEMPLATE = '117a77b0-9360-443b-8795-c6dedc750cf9';

describe('Issue #18: signing in at the local OIDC provider, and the services trusting its tokens', () => {
  let provider: LocalOidcProvider;
  let db: TestDatabase;
  let relationships: RunningService;
  let audit: RunningService;
  let attestation: RunningService;
  /** Partner A's customer, created with partner A's admin's access token. */
  let customerOfA: string;

  const attest = async (customerTenantId: string, authorization: string) =>
    attestation
      .http()
      .post(`/v1/customers/${customerTenantId}/agreements`)
      .set('Authorization', authorization)
      .send({
        primaryContact: { firstName: 'Ada', lastName: 'Lovelace', email: 'ada@contoso.example' },
        dateAgreed: new Date(Date.now() - 60000).toISOString(),
        templateId: MCA_TEMPLATE,
        type: 'MicrosoftCustomerAgreement',
      });

  const bearerOf = async (user: keyof LocalOidcProvider['users']) =>
    `Bearer ${(await signInWithPassword(provider, provider.users[user])).accessToken}`;

  beforeAll(async () => {
    provider = await startLocalOidcProvider({ operatorTenantId: OPERATOR_TENANT_ID });
    db = await createTestDatabase('oidc_sign_in_e2e');
    // As npm start configures them: the HS256 secret (startService's) beside the provider's key set.
    const common = {
      databaseUrl: db.url,
      groupPrefix: uniqueGroupPrefix('oidc-sign-in'),
      env: { JWT_JWKS_URL: provider.jwksUrl, JWT_ISSUER: provider.issuer, JWT_AUDIENCE: provider.audience },
    };
    [relationships, audit, attestation] = await Promise.all([
      startService('reseller-relationship', (c) => ResellerRelationshipModule.forRoot(c), common),
      startService('audit', (c) => AuditModule.forRoot(c), common),
      startService('attestation', (c) => AttestationModule.forRoot(c), common),
    ]);
    // The operator registers both partners as npm start does: an HS256 PlatformAdmin token (S-03). Twice: idempotent.
    for (let run = 0; run < 2; run++) {
      const { stdout } = await promisify(execFile)(
        process.execPath,
        [join(LOCAL_OIDC_PROVIDER_PROGRAM, '..', 'register-partners.mjs')],
        {
          env: {
            ...process.env,
            JWT_SECRET: TEST_JWT_SECRET,
            OPERATOR_TENANT_IDS: OPERATOR_TENANT_ID,
            RESELLER_RELATIONSHIP_PORT: new URL(relationships.url).port,
            OIDC_CACHE_DIR: provider.cacheDir,
          },
        },
      );
      expect(stdout).toContain(`partner A ${provider.tenants.partnerA} registered`);
      expect(stdout).toContain(`partner B ${provider.tenants.partnerB} registered`);
    }
  }, 120000);

  afterAll(async () => {
    await Promise.allSettled([relationships, audit, attestation].map((s) => s?.close()));
    await db?.drop();
    await provider?.stop();
  });

  it('serves its discovery document and a JWKS of public keys only', async () => {
    const discovery = (await (
      await fetch(`${provider.issuer}/.well-known/openid-configuration`)
    ).json()) as Record<string, unknown>;
    expect(discovery).toMatchObject({
      issuer: provider.issuer,
      jwks_uri: provider.jwksUrl,
      authorization_endpoint: `${provider.issuer}/auth`,
      token_endpoint: `${provider.issuer}/token`,
      end_session_endpoint: `${provider.issuer}/session/end`,
      code_challenge_methods_supported: ['S256'],
    });
    const { keys } = (await (await fetch(provider.jwksUrl)).json()) as { keys: Record<string, unknown>[] };
    expect(keys.length).toBeGreaterThan(0);
    for (const key of keys) {
      expect(key).toMatchObject({ kty: 'RSA', alg: 'RS256', use: 'sig', kid: expect.any(String) });
      for (const secret of ['d', 'p', 'q', 'dp', 'dq', 'qi']) expect(key).not.toHaveProperty(secret);
    }
  });

  it('refuses an authorization request without PKCE', async () => {
    const url = new URL(`${provider.issuer}/auth`);
    url.search = new URLSearchParams({
      client_id: provider.clientId,
      response_type: 'code',
      redirect_uri: provider.redirectUri,
      scope: 'openid',
      state: 'xyz',
    }).toString();
    const response = await fetch(url, { redirect: 'manual' });
    const location = new URL(response.headers.get('location') ?? '');
    expect(location.href.startsWith(provider.redirectUri)).toBe(true);
    expect(location.searchParams.get('error')).toBe('invalid_request');
    expect(location.searchParams.get('code')).toBeNull();
  });

  it('refuses a wrong password: no code is issued', async () => {
    await expect(
      signInWithPassword(provider, provider.users.partnerAdminA, { password: 'not-the-password' }),
    ).rejects.toThrow(/stopped at 401/);
  });

  it('signs a partner admin in: an RS256 JWT access token for the services, an ID token with who they are', async () => {
    const user = provider.users.partnerAdminA;
    const tokens = await signInWithPassword(provider, user, { scope: 'openid profile' });
    const keys = createRemoteJWKSet(new URL(provider.jwksUrl));
    expect(decodeProtectedHeader(tokens.accessToken)).toMatchObject({
      alg: 'RS256',
      kid: expect.any(String),
    });
    const access = await jwtVerify(tokens.accessToken, keys, {
      issuer: provider.issuer,
      audience: provider.audience,
    });
    expect(access.payload).toMatchObject({
      tid: user.tid,
      oid: user.oid,
      roles: ['AdminAgent'],
      sub: user.oid,
    });
    const id = await jwtVerify(tokens.idToken, keys, {
      issuer: provider.issuer,
      audience: provider.clientId,
    });
    expect(id.payload).toMatchObject({
      name: user.name,
      tid: user.tid,
      oid: user.oid,
      roles: ['AdminAgent'],
    });
  });

  it("accepts the partner admin's access token on a real service, with the right principal", async () => {
    const created = await eventually(async () => {
      const response = await relationships
        .http()
        .post('/v1/customers')
        .set('Authorization', await bearerOf('partnerAdminA'))
        .send({
          companyProfile: { companyName: 'Contoso' },
          primaryContact: { firstName: 'Ada', lastName: 'Lovelace', email: 'ada@contoso.example' },
          cloud: 'Public',
          country: 'US',
        });
      expect(response.status).toBe(201);
      return response.body as { id: string };
    });
    customerOfA = created.id;
    const salesAgent = await bearerOf('salesAgentA');
    const status = await relationships
      .http()
      .get(`/v1/customers/${customerOfA}/directSignedMicrosoftCustomerAgreementStatus`)
      .set('Authorization', salesAgent);
    expect(status.status).toBe(200);
    // the attestation names the attesting user: the signed-in sales agent's oid.
    const attested = await eventually(async () => {
      const response = await attest(customerOfA, salesAgent);
      expect(response.status).toBe(201);
      return response.body as { userId: string };
    });
    expect(attested.userId).toBe(provider.users.salesAgentA.oid);
  });

  it("signs in with openid-client 6, the console's library (scripts/oidc/sign-in.mjs), and the token works", async () => {
    const { stdout } = await promisify(execFile)(
      process.execPath,
      [join(LOCAL_OIDC_PROVIDER_PROGRAM, '..', 'sign-in.mjs'), 'partner-b-admin', '--json'],
      { env: { ...process.env, OIDC_ISSUER: provider.issuer, OIDC_CACHE_DIR: provider.cacheDir } },
    );
    const signedIn = JSON.parse(stdout) as { access_token: string; claims: Record<string, unknown> };
    const user = provider.users.partnerAdminB;
    expect(signedIn.claims).toMatchObject({
      iss: provider.issuer,
      aud: 'console',
      tid: user.tid,
      oid: user.oid,
    });
    await eventually(async () => {
      const response = await audit
        .http()
        .get(`/v1/audit/events?partnerId=${user.tid}`)
        .set('Authorization', `Bearer ${signedIn.access_token}`);
      expect(response.status).toBe(200);
    });
  });

  it("S-03: partner B's token cannot read partner A's data", async () => {
    expect(customerOfA).toBeDefined();
    const partnerB = await bearerOf('partnerAdminB');
    const status = await relationships
      .http()
      .get(`/v1/customers/${customerOfA}/directSignedMicrosoftCustomerAgreementStatus`)
      .set('Authorization', partnerB);
    expect(status.status).toBe(403);
    expect((await attest(customerOfA, partnerB)).status).toBe(403);
    const events = await eventually(async () => {
      const response = await audit
        .http()
        .get(`/v1/audit/events?partnerId=${provider.tenants.partnerA}`)
        .set('Authorization', partnerB);
      expect(response.status).not.toBe(503);
      return response;
    });
    expect(events.status).toBe(403);
  });

  it("S-03: the operator's auditor reads partner A's events across partners; partner A reads its own", async () => {
    expect(customerOfA).toBeDefined();
    const auditor = await bearerOf('auditor');
    const created = await eventually(async () => {
      const response = await audit
        .http()
        .get(`/v1/audit/events?customerTenantId=${customerOfA}&eventType=CustomerTenantCreated`)
        .set('Authorization', auditor);
      expect(response.status).toBe(200);
      expect(response.body.items).toHaveLength(1);
      return response.body.items[0];
    });
    // The customer was created under the signed-in user's tenant and in their name (the token's tid and oid).
    expect(created.partnerId).toBe(provider.tenants.partnerA);
    const own = await eventually(async () => {
      const response = await audit
        .http()
        .get(`/v1/audit/events?partnerId=${provider.tenants.partnerA}`)
        .set('Authorization', await bearerOf('partnerAdminA'));
      expect(response.status).toBe(200);
      return response;
    });
    expect(own.body.items.length).toBeGreaterThan(0);
  });

  it("S-03: refuses a token signed with a key that is not in the provider's JWKS", async () => {
    const genuine = await signInWithPassword(provider, provider.users.partnerAdminA);
    const { kid } = decodeProtectedHeader(genuine.accessToken);
    const stranger = (await generateKeyPair('RS256')).privateKey;
    const user = provider.users.partnerAdminA;
    for (const header of [
      { alg: 'RS256', kid, typ: 'at+jwt' },
      { alg: 'RS256', kid: randomUUID(), typ: 'at+jwt' },
    ]) {
      const forged = await new SignJWT({ tid: user.tid, oid: user.oid, roles: ['AdminAgent'] })
        .setProtectedHeader(header)
        .setIssuer(provider.issuer)
        .setAudience(provider.audience)
        .setExpirationTime('5m')
        .sign(stranger);
      const response = await relationships
        .http()
        .get(`/v1/customers/${customerOfA ?? randomUUID()}/directSignedMicrosoftCustomerAgreementStatus`)
        .set('Authorization', `Bearer ${forged}`);
      expect(response.status).toBe(401);
    }
    const response = await relationships
      .http()
      .get(`/v1/customers/${customerOfA ?? randomUUID()}/directSignedMicrosoftCustomerAgreementStatus`)
      .set('Authorization', `Bearer ${genuine.accessToken}`);
    expect(response.status).toBe(200);
  });

  it('renews the access token with a refresh token (offline_access); the services accept the new one', async () => {
    const { refreshToken } = await signInWithPassword(provider, provider.users.partnerAdminA, {
      scope: 'openid profile offline_access',
    });
    expect(refreshToken).toEqual(expect.any(String));
    const response = await fetch(`${provider.issuer}/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'refresh_token',
        refresh_token: refreshToken!,
        client_id: provider.clientId,
        client_secret: provider.clientSecret,
      }),
    });
    expect(response.status).toBe(200);
    const renewed = (await response.json()) as { access_token: string };
    await relationships
      .http()
      .get(`/v1/customers/${customerOfA ?? randomUUID()}/directSignedMicrosoftCustomerAgreementStatus`)
      .set('Authorization', `Bearer ${renewed.access_token}`)
      .expect(200);
  });

  it("S-03: an ID token is not an access token: the services refuse it (its audience is the console's)", async () => {
    const { idToken } = await signInWithPassword(provider, provider.users.partnerAdminA);
    const response = await relationships
      .http()
      .get(`/v1/customers/${customerOfA ?? randomUUID()}/directSignedMicrosoftCustomerAgreementStatus`)
      .set('Authorization', `Bearer ${idToken}`);
    expect(response.status).toBe(401);
  });
});
