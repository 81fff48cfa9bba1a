import { generateKeyPairSync } from 'crypto';
import { mkdtempSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { ConfigError } from '@app/platform';
import { DEFAULT_CHECKPOINT_INTERVAL_MS, loadAuditConfig, RUNTIME_ROLE } from './audit-config';

const ownerUrl = { databaseUrl: 'postgres://owner:secret@db.internal:5433/gate' };
const pem = (type: 'ed25519' | 'ec') =>
  (type === 'ec'
    ? generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey
    : generateKeyPairSync('ed25519').privateKey
  )
    .export({ type: 'pkcs8', format: 'pem' })
    .toString();

function problemsOf(env: Record<string, string>): string[] {
  try {
    loadAuditConfig(env, ownerUrl);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).problems.map((p) => p.variable);
  }
  return [];
}

describe('the audit configuration (U-07)', () => {
  it('U-07: refuses to start without a signing key, naming the variable', () => {
    expect(problemsOf({})).toEqual(['AUDIT_SIGNING_KEY']);
    expect(() => loadAuditConfig({}, ownerUrl)).toThrow(
      /AUDIT_SIGNING_KEY or AUDIT_SIGNING_KEY_FILE must be set/,
    );
  });

  it('U-07: refuses a key that is not an Ed25519 private key, an unreadable file, or both variables at once', () => {
    expect(problemsOf({ AUDIT_SIGNING_KEY: 'not a key' })).toEqual(['AUDIT_SIGNING_KEY']);
    expect(problemsOf({ AUDIT_SIGNING_KEY: pem('ec') })).toEqual(['AUDIT_SIGNING_KEY']);
    expect(problemsOf({ AUDIT_SIGNING_KEY_FILE: '/nonexistent/key.pem' })).toEqual([
      'AUDIT_SIGNING_KEY_FILE',
    ]);
    expect(problemsOf({ AUDIT_SIGNING_KEY: pem('ed25519'), AUDIT_SIGNING_KEY_FILE: '/k.pem' })).toEqual([
      'AUDIT_SIGNING_KEY',
    ]);
    const secret = pem('ec');
    expect(() => loadAuditConfig({ AUDIT_SIGNING_KEY: secret }, ownerUrl)).toThrow(
      expect.not.objectContaining({ message: expect.stringContaining(secret.slice(40, 60)) }),
    );
  });

  it('U-07: takes the key inline (\\n allowed) or from a file, with its key id and public key', () => {
    const key = pem('ed25519');
    const inline = loadAuditConfig({ AUDIT_SIGNING_KEY: key.replace(/\n/g, '\\n') }, ownerUrl);
    const dir = mkdtempSync(join(tmpdir(), 'audit-key-'));
    writeFileSync(join(dir, 'key.pem'), key, { mode: 0o600 });
    const fromFile = loadAuditConfig({ AUDIT_SIGNING_KEY_FILE: join(dir, 'key.pem') }, ownerUrl);
    expect(fromFile.keyId).toBe(inline.keyId);
    expect(inline.keyId).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(inline.publicKeyPem).toMatch(/^-----BEGIN PUBLIC KEY-----/);
    expect(inline.checkpointIntervalMs).toBe(DEFAULT_CHECKPOINT_INTERVAL_MS);
  });

  it("runs as the restricted role: the owner's URL with the role's name and no password, unless AUDIT_DATABASE_URL says otherwise", () => {
    const key = pem('ed25519');
    expect(loadAuditConfig({ AUDIT_SIGNING_KEY: key }, ownerUrl).runtimeDatabaseUrl).toBe(
      `postgres://${RUNTIME_ROLE}@db.internal:5433/gate`,
    );
    const own = 'postgres://audit_service:pw@replica:5432/gate';
    expect(
      loadAuditConfig({ AUDIT_SIGNING_KEY: key, AUDIT_DATABASE_URL: own }, ownerUrl).runtimeDatabaseUrl,
    ).toBe(own);
    expect(problemsOf({ AUDIT_SIGNING_KEY: key, AUDIT_DATABASE_URL: 'mysql://x' })).toEqual([
      'AUDIT_DATABASE_URL',
    ]);
    expect(problemsOf({ AUDIT_SIGNING_KEY: key, AUDIT_CHECKPOINT_INTERVAL_MS: '5' })).toEqual([
      'AUDIT_CHECKPOINT_INTERVAL_MS',
    ]);
  });
});
