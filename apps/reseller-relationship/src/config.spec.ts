import { hkdfSync } from 'node:crypto';
import { ConfigError } from '@app/platform';
import { DEFAULT_INVITATION_BASE_URL, loadRelationshipConfig } from './config';

const JWT_SECRET = 'a-jwt-secret-of-at-least-32-characters!';
const OWN_SECRET = 'an-invitation-secret-of-32-chars-or-more';

const problemsOf = (env: Record<string, string>, fallback = {}) => {
  try {
    loadRelationshipConfig(env, fallback);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems.map((p) => p.variable);
    throw error;
  }
  return [];
};

describe('loadRelationshipConfig', () => {
  it('D-02: uses INVITATION_SIGNING_SECRET when it is set', () => {
    const config = loadRelationshipConfig({ INVITATION_SIGNING_SECRET: OWN_SECRET, JWT_SECRET });
    expect(config.invitationSigningKey).toEqual(Buffer.from(OWN_SECRET, 'utf8'));
  });

  it('D-02: derives the key from JWT_SECRET with HKDF (info "invitation-tokens") when it is absent', () => {
    const expected = Buffer.from(hkdfSync('sha256', JWT_SECRET, Buffer.alloc(0), 'invitation-tokens', 32));
    expect(loadRelationshipConfig({ JWT_SECRET }).invitationSigningKey).toEqual(expected);
    expect(loadRelationshipConfig({}, { jwtSecret: JWT_SECRET }).invitationSigningKey).toEqual(expected);
    expect(expected).not.toEqual(Buffer.from(JWT_SECRET, 'utf8'));
  });

  it('D-02: refuses to start without either secret, naming INVITATION_SIGNING_SECRET', () => {
    expect(() => loadRelationshipConfig({})).toThrow(/INVITATION_SIGNING_SECRET must be set/);
  });

  it('refuses a short secret, a bad URL and a bad lifetime, naming each variable and no value', () => {
    const env = {
      INVITATION_SIGNING_SECRET: 'short',
      INVITATION_BASE_URL: 'ftp://x',
      INVITATION_TTL_HOURS: '0',
    };
    expect(problemsOf(env)).toEqual([
      'INVITATION_SIGNING_SECRET',
      'INVITATION_BASE_URL',
      'INVITATION_TTL_HOURS',
    ]);
    expect(() => loadRelationshipConfig(env)).not.toThrow(/short/);
  });

  it('defaults the URL base and the lifetime, and trims a trailing slash', () => {
    const config = loadRelationshipConfig({ JWT_SECRET });
    expect(config.invitationBaseUrl).toBe(DEFAULT_INVITATION_BASE_URL);
    expect(config.invitationTtlMs).toBe(168 * 3600 * 1000);
    const custom = loadRelationshipConfig({
      JWT_SECRET,
      INVITATION_BASE_URL: 'https://partner.example/invite/',
      INVITATION_TTL_HOURS: '24',
    });
    expect(custom.invitationBaseUrl).toBe('https://partner.example/invite');
    expect(custom.invitationTtlMs).toBe(24 * 3600 * 1000);
  });
});
