import { generateKeyPairSync } from 'crypto';

let key: { privateKeyPem: string; publicKeyPem: string } | undefined;

/** An Ed25519 key for the audit's checkpoints (U-07), made once per test process and never written anywhere. */
export function testAuditSigningKey(): { privateKeyPem: string; publicKeyPem: string } {
  if (key === undefined) {
    const { privateKey, publicKey } = generateKeyPairSync('ed25519');
    key = {
      privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
      publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    };
  }
  return key;
}

/** The audit refuses to start without a signing key: tests get this run's, unless they set their own. */
export function provideAuditSigningKey(env: NodeJS.ProcessEnv = process.env): void {
  if (!env.AUDIT_SIGNING_KEY && !env.AUDIT_SIGNING_KEY_FILE) {
    env.AUDIT_SIGNING_KEY = testAuditSigningKey().privateKeyPem;
  }
}
