import { ConsoleConfigError, loadConsoleConfig } from './config';

const SECRET = 'a-session-secret-of-at-least-32-characters';
const REQUIRED = {
  OIDC_ISSUER_URL: 'http://127.0.0.1:3010',
  OIDC_CLIENT_ID: 'console',
  CONSOLE_SESSION_SECRET: SECRET,
};

function problemsOf(env: Record<string, string>): string[] {
  try {
    loadConsoleConfig(env);
  } catch (error) {
    if (error instanceof ConsoleConfigError) return error.problems.map((p) => p.variable);
    throw error;
  }
  throw new Error('expected a ConsoleConfigError');
}

describe('loadConsoleConfig', () => {
  it('applies the defaults: port 3000 and the services on their local ports', () => {
    expect(loadConsoleConfig(REQUIRED)).toEqual({
      port: 3000,
      publicUrl: 'http://127.0.0.1:3000',
      oidc: { issuerUrl: 'http://127.0.0.1:3010', clientId: 'console', clientSecret: undefined },
      sessionSecret: SECRET,
      services: {
        attestation: 'http://127.0.0.1:3001',
        resellerRelationship: 'http://127.0.0.1:3002',
        orderGate: 'http://127.0.0.1:3003',
        audit: 'http://127.0.0.1:3004',
      },
    });
  });

  it('reads every variable, without trailing slashes', () => {
    const config = loadConsoleConfig({
      ...REQUIRED,
      CONSOLE_PORT: '8080',
      CONSOLE_PUBLIC_URL: 'https://console.example.com/',
      OIDC_CLIENT_SECRET: 'client-secret',
      ATTESTATION_URL: 'https://attestation.internal',
      RESELLER_RELATIONSHIP_URL: 'https://relationships.internal/',
      ORDER_GATE_URL: 'https://gate.internal',
      AUDIT_URL: 'https://audit.internal',
    });
    expect(config).toMatchObject({
      port: 8080,
      publicUrl: 'https://console.example.com',
      oidc: { clientSecret: 'client-secret' },
      services: { resellerRelationship: 'https://relationships.internal', audit: 'https://audit.internal' },
    });
  });

  it('refuses to start without an issuer, a client id and a long enough session secret, naming each at once', () => {
    expect(problemsOf({})).toEqual(['OIDC_ISSUER_URL', 'OIDC_CLIENT_ID', 'CONSOLE_SESSION_SECRET']);
  });

  it.each([
    [{ CONSOLE_PORT: 'http' }, 'CONSOLE_PORT'],
    [{ CONSOLE_PORT: '70000' }, 'CONSOLE_PORT'],
    [{ CONSOLE_PUBLIC_URL: 'ftp://console' }, 'CONSOLE_PUBLIC_URL'],
    [{ OIDC_ISSUER_URL: 'not a url' }, 'OIDC_ISSUER_URL'],
    [{ AUDIT_URL: 'http://audit?x=1' }, 'AUDIT_URL'],
    [{ CONSOLE_SESSION_SECRET: 'short' }, 'CONSOLE_SESSION_SECRET'],
  ])('refuses %p, naming %s', (env, variable) => {
    expect(problemsOf({ ...REQUIRED, ...env })).toEqual([variable]);
  });

  it('never echoes the session secret', () => {
    try {
      loadConsoleConfig({ ...REQUIRED, CONSOLE_SESSION_SECRET: 'hunter2-secret' });
    } catch (error) {
      expect((error as Error).message).toContain('CONSOLE_SESSION_SECRET must be at least 32 characters');
      expect((error as Error).message).not.toContain('hunter2');
    }
    expect.assertions(2);
  });
});
