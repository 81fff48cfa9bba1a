import { generateKeyPairSync } from 'crypto';
import { Checkpoint, checkpointVerifies, keyIdOf, signCheckpoint } from './checkpoint';

function key() {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  return { signingKey: privateKey, publicKey, keyId: keyIdOf(publicKey) };
}

describe('U-07: signed checkpoints of the chain head', () => {
  const signer = key();
  const head = { sequence: 42, hash: Buffer.alloc(32, 7) };
  const checkpoint = signCheckpoint(head, new Date('2026-11-28T03:00:00.000Z'), signer);

  it('U-07: a checkpoint carries the head, the time and the key id, and verifies with the public key', () => {
    expect(checkpoint).toMatchObject({
      sequence: 42,
      hash: '07'.repeat(32),
      at: '2026-11-28T03:00:00.000Z',
      keyId: expect.stringMatching(/^sha256:[0-9a-f]{64}$/),
    });
    expect(checkpointVerifies(checkpoint, signer.publicKey)).toBe(true);
  });

  it.each<[string, Partial<Checkpoint>]>([
    ['sequence', { sequence: 41 }],
    ['hash', { hash: '08'.repeat(32) }],
    ['time', { at: '2026-11-28T03:00:01.000Z' }],
    ['signature', { signature: Buffer.alloc(64).toString('base64') }],
  ])('U-07: a checkpoint whose %s was changed does not verify', (_field, change) => {
    expect(checkpointVerifies({ ...checkpoint, ...change }, signer.publicKey)).toBe(false);
  });

  it('U-07: a checkpoint signed with another key does not verify, even under this key id', () => {
    const other = key();
    const forged = signCheckpoint(head, new Date(checkpoint.at), { ...other, keyId: signer.keyId });
    expect(checkpointVerifies(forged, signer.publicKey)).toBe(false);
    expect(checkpointVerifies(signCheckpoint(head, new Date(), other), signer.publicKey)).toBe(false);
  });
});
