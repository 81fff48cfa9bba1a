import { SignJWT, type JWTPayload } from 'jose';
import { createSecretKey } from 'node:crypto';

export interface DevTokenClaims extends JWTPayload {
  tid: string;
  oid: string;
  roles: string[];
}

export interface DevTokenOptions {
  /** A jose time span such as '1h' (the default) or '-1m' for a token that has already expired. */
  expiresIn?: string;
  issuer?: string;
  audience?: string;
}

/** Signs an HS256 token the way a local identity provider would: for tests and the demo only. */
export async function signHs256Token(
  secret: string,
  claims: DevTokenClaims,
  opts: DevTokenOptions = {},
): Promise<string> {
  const jwt = new SignJWT(claims).setProtectedHeader({ alg: 'HS256', typ: 'JWT' }).setIssuedAt();
  if (claims.exp === undefined) jwt.setExpirationTime(opts.expiresIn ?? '1h');
  if (opts.issuer) jwt.setIssuer(opts.issuer);
  if (opts.audience) jwt.setAudience(opts.audience);
  return jwt.sign(createSecretKey(Buffer.from(secret, 'utf8')));
}
