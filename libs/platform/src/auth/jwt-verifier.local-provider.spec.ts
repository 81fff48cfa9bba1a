// JwtVerifier in a local run (npm start): the HS256 secret of `npm run token` beside the key set of the
// local OIDC provider on a loopback host. Each token goes to its own key source; S-03 still holds.
import { exportJWK, generateKeyPair, SignJWT, type KeyLike } from 'jose';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { testConfig, TEST_JWT_SECRET } from '../testing/platform-test-app';
import { signHs256Token, type DevTokenClaims } from './dev-token';
import { JwtVerifier } from './jwt-verifier';
import { agent, PARTNER_TENANT, USER } from './jwt-auth.guard.fixtures';

const AUDIENCE = 'api://acceptance-gate';
const OPERATOR_TENANT = '00000000-0000-4000-8000-0000000000a1';

describe('S-03: JwtVerifier with the HS256 secret beside a local OIDC provider', () => {
  let keyServer: Server;
  let issuer: string;
  let providerKey: KeyLike;
  let verifier: JwtVerifier;

  beforeAll(async () => {
    const pair = await generateKeyPair('RS256');
    providerKey = pair.privateKey;
    const jwk = { ...(await exportJWK(pair.publicKey)), kid: 'local-1', alg: 'RS256', use: 'sig' };
    keyServer = createServer((_req, res) => {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ keys: [jwk] }));
    });
    await new Promise<void>((resolve) => keyServer.listen(0, '127.0.0.1', resolve));
    issuer = `http://127.0.0.1:${(keyServer.address() as AddressInfo).port}`;
    verifier = new JwtVerifier(
      testConfig({
        JWT_SECRET: TEST_JWT_SECRET,
        JWT_JWKS_URL: `${issuer}/jwks`,
        JWT_ISSUER: issuer,
        JWT_AUDIENCE: AUDIENCE,
        OPERATOR_TENANT_IDS: OPERATOR_TENANT,
      }),
    );
  });
  afterAll(() => new Promise((resolve) => keyServer.close(resolve)));

  const fromProvider = (
    claims: DevTokenClaims,
    { key = providerKey, kid = 'local-1', aud = AUDIENCE, iss = issuer } = {},
  ) =>
    new SignJWT(claims)
      .setProtectedHeader({ alg: 'RS256', kid, typ: 'at+jwt' })
      .setIssuer(iss)
      .setAudience(aud)
      .setExpirationTime('5m')
      .sign(key);

  it('accepts a token of `npm run token` (HS256, no issuer or audience)', async () => {
    const principal = await verifier.verify(await signHs256Token(TEST_JWT_SECRET, agent(['AdminAgent'])));
    expect(principal).toMatchObject({ tenantId: PARTNER_TENANT, userId: USER, roles: ['AdminAgent'] });
  });

  it('accepts an access token of the provider, signed with a key of its set', async () => {
    const principal = await verifier.verify(await fromProvider(agent(['SalesAgent'])));
    expect(principal).toMatchObject({ tenantId: PARTNER_TENANT, userId: USER, roles: ['SalesAgent'] });
  });

  it('S-03: refuses a provider token signed with a key that is not in its set', async () => {
    const stranger = (await generateKeyPair('RS256')).privateKey;
    await expect(
      verifier.verify(await fromProvider(agent(['AdminAgent']), { key: stranger })),
    ).rejects.toMatchObject({ errorName: 'Unauthorized' });
    await expect(
      verifier.verify(await fromProvider(agent(['AdminAgent']), { key: stranger, kid: 'other' })),
    ).rejects.toMatchObject({ errorName: 'Unauthorized' });
  });

  it('S-03: refuses a provider token for another audience or from another issuer', async () => {
    await expect(
      verifier.verify(await fromProvider(agent(['AdminAgent']), { aud: 'api://another-app' })),
    ).rejects.toMatchObject({ errorName: 'Unauthorized' });
    await expect(
      verifier.verify(await fromProvider(agent(['AdminAgent']), { iss: 'http://127.0.0.1:1' })),
    ).rejects.toMatchObject({ errorName: 'Unauthorized' });
  });

  it('S-03: refuses HS256 signed with another secret, and algorithms outside HS256/RS256/ES256', async () => {
    const other = await signHs256Token(
      'another-secret-that-is-at-least-32-characters',
      agent(['AdminAgent']),
    );
    await expect(verifier.verify(other)).rejects.toMatchObject({ errorName: 'Unauthorized' });
    const hs384 = await new SignJWT(agent(['AdminAgent']))
      .setProtectedHeader({ alg: 'HS384' })
      .setExpirationTime('5m')
      .sign(new TextEncoder().encode(TEST_JWT_SECRET));
    await expect(verifier.verify(hs384)).rejects.toMatchObject({ errorName: 'Unauthorized' });
  });

  it('S-03: drops Auditor from a provider token of a partner tenant, keeps it in the operator tenant', async () => {
    const partner = await verifier.verify(await fromProvider(agent(['Auditor', 'AdminAgent'])));
    expect(partner).toMatchObject({ roles: ['AdminAgent'], actsAsOperator: false });
    const operator = await verifier.verify(await fromProvider(agent(['Auditor'], OPERATOR_TENANT)));
    expect(operator).toMatchObject({ tenantId: OPERATOR_TENANT, roles: ['Auditor'], actsAsOperator: true });
  });

  it('S-03: a secret beside a key set off this machine is never used, even past the configuration', async () => {
    const config = testConfig({
      JWT_SECRET: '',
      JWT_JWKS_URL: 'https://keys.test/',
      JWT_ISSUER: issuer,
      JWT_AUDIENCE: AUDIENCE,
    });
    const remote = new JwtVerifier({ ...config, jwt: { ...config.jwt, secret: TEST_JWT_SECRET } });
    await expect(
      remote.verify(await signHs256Token(TEST_JWT_SECRET, agent(['AdminAgent']))),
    ).rejects.toMatchObject({ errorName: 'Unauthorized' });
  });
});
