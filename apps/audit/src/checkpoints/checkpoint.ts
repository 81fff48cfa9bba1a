import { createHash, KeyObject, sign, verify } from 'crypto';

/**
 * A signed checkpoint of the chain head (U-07), pure. The signature is Ed25519 over the UTF-8 text
 *
 *   acceptance-gate/audit-checkpoint/v1\n<sequence>\n<hash as lower-case hex>\n<at, ISO-8601 UTC>\n<keyId>
 *
 * so anyone holding the public key can check a checkpoint with any Ed25519 tool, and compare its hash
 * with the `hash` of the row at its sequence in an export. The key id is `sha256:` and the hex
 * SHA-256 of the public key's DER (SubjectPublicKeyInfo).
 */
export interface Checkpoint {
  sequence: number;
  /** hex sha256: the chain's hash at `sequence` (see audit-chain.ts). */
  hash: string;
  at: string;
  keyId: string;
  /** base64 Ed25519 signature of checkpointText. */
  signature: string;
}

export const CHECKPOINT_FORMAT = 'acceptance-gate/audit-checkpoint/v1';

export function checkpointText(c: Omit<Checkpoint, 'signature'>): string {
  return `${CHECKPOINT_FORMAT}\n${c.sequence}\n${c.hash}\n${c.at}\n${c.keyId}`;
}

export function keyIdOf(publicKey: KeyObject): string {
  return `sha256:${createHash('sha256')
    .update(publicKey.export({ type: 'spki', format: 'der' }))
    .digest('hex')}`;
}

export function signCheckpoint(
  head: { sequence: number; hash: Buffer },
  at: Date,
  key: { signingKey: KeyObject; keyId: string },
): Checkpoint {
  const unsigned = {
    sequence: head.sequence,
    hash: head.hash.toString('hex'),
    at: at.toISOString(),
    keyId: key.keyId,
  };
  const signature = sign(null, Buffer.from(checkpointText(unsigned), 'utf8'), key.signingKey).toString(
    'base64',
  );
  return { ...unsigned, signature };
}

/** True only for a checkpoint signed by this public key, every field as it was signed. */
export function checkpointVerifies(c: Checkpoint, publicKey: KeyObject): boolean {
  if (c.keyId !== keyIdOf(publicKey)) return false;
  try {
    return verify(
      null,
      Buffer.from(checkpointText(c), 'utf8'),
      publicKey,
      Buffer.from(c.signature, 'base64'),
    );
  } catch {
    return false;
  }
}
