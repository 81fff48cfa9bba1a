import { HttpStatus, Inject, Injectable } from '@nestjs/common';
import {
  createRemoteJWKSet,
  decodeProtectedHeader,
  errors,
  importSPKI,
  jwtVerify,
  type JWTPayload,
  type JWTVerifyGetKey,
  type JWTVerifyOptions,
  type KeyLike,
  type ProtectedHeaderParameters,
} from 'jose';
import { createSecretKey } from 'node:crypto';
import { SERVICE_CONFIG, type ServiceConfig } from '../config';
import { ApiError } from '../errors/api-error';
import { ErrorCodes } from '../errors/error-codes';
import { CUSTOMER_ROLE, type Principal } from './principal';

const ASYMMETRIC_ALGORITHMS = ['RS256', 'ES256'] as const;
type AsymmetricAlgorithm = (typeof ASYMMETRIC_ALGORITHMS)[number];

const LOWER_CASE_GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const ANY_CASE_GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Seconds of clock skew between the token issuer and us that `exp` and `nbf` forgive. */
const CLOCK_TOLERANCE_SECONDS = 5;

function isAsymmetric(alg: string | undefined): alg is AsymmetricAlgorithm {
  return (ASYMMETRIC_ALGORITHMS as readonly string[]).includes(alg ?? '');
}

/**
 * Verifies bearer tokens into a `Principal`: HS256 with `JWT_SECRET`; RS256 or ES256 with
 * `JWT_PUBLIC_KEY` or the keys at `JWT_JWKS_URL`. The algorithm is the token's, but only within the
 * configured families, so `none`, HS384 or an HS256 token signed with the public key are refused.
 * With both a public key and a JWKS URL, a token naming a `kid` is checked against the key set.
 */
@Injectable()
export class JwtVerifier {
  private readonly secretKey?: KeyLike;
  private readonly publicKeys = new Map<AsymmetricAlgorithm, Promise<KeyLike | undefined>>();
  private readonly remoteKeySet?: JWTVerifyGetKey;
  private readonly claimChecks: Pick<JWTVerifyOptions, 'issuer' | 'audience'>;

  constructor(@Inject(SERVICE_CONFIG) private readonly config: ServiceConfig) {
    const { secret, jwksUrl, issuer, audience } = config.jwt;
    if (secret) this.secretKey = createSecretKey(Buffer.from(secret, 'utf8'));
    if (jwksUrl) this.remoteKeySet = createRemoteJWKSet(new URL(jwksUrl));
    this.claimChecks = { issuer, audience };
  }

  async verify(token: string): Promise<Principal> {
    const header = this.decodeHeader(token);
    const alg = header.alg;
    const options: JWTVerifyOptions = {
      ...this.claimChecks,
      algorithms: [alg ?? 'none'],
      requiredClaims: ['exp'],
      clockTolerance: CLOCK_TOLERANCE_SECONDS,
    };
    let payload: JWTPayload;
    let fromRemoteKeySet = false;
    try {
      if (alg === 'HS256' && this.secretKey) {
        ({ payload } = await jwtVerify(token, this.secretKey, options));
      } else if (isAsymmetric(alg) && this.remoteKeySet && (header.kid || !this.config.jwt.publicKey)) {
        fromRemoteKeySet = true;
        ({ payload } = await jwtVerify(token, this.remoteKeySet, options));
      } else if (isAsymmetric(alg) && this.config.jwt.publicKey) {
        const key = await this.publicKeyFor(alg);
        if (!key) throw unauthorized(`The configured public key cannot verify ${alg} tokens.`);
        ({ payload } = await jwtVerify(token, key, options));
      } else {
        throw unauthorized(`Tokens signed with ${JSON.stringify(alg ?? 'none')} are not accepted here.`);
      }
    } catch (error) {
      throw asApiError(error, fromRemoteKeySet);
    }
    return principalFrom(payload);
  }

  private decodeHeader(token: string): ProtectedHeaderParameters {
    try {
      return decodeProtectedHeader(token);
    } catch {
      throw unauthorized('The bearer token is not a well-formed JWT.');
    }
  }

  private publicKeyFor(alg: AsymmetricAlgorithm): Promise<KeyLike | undefined> {
    let key = this.publicKeys.get(alg);
    if (!key) {
      key = importSPKI(this.config.jwt.publicKey ?? '', alg).catch(() => undefined);
      this.publicKeys.set(alg, key);
    }
    return key;
  }
}

function unauthorized(description: string): ApiError {
  return ApiError.unauthorized(description);
}

/** A key set that cannot be fetched is our fault, not the caller's: 503, worth a retry. */
function asApiError(error: unknown, fromRemoteKeySet: boolean): ApiError {
  if (error instanceof ApiError) return error;
  if (error instanceof errors.JWTExpired) return unauthorized('The token has expired: get a new one.');
  if (error instanceof errors.JWTClaimValidationFailed) {
    return unauthorized(`The token's "${error.claim}" claim is missing or not accepted here.`);
  }
  if (fromRemoteKeySet && (error instanceof errors.JWKSTimeout || !(error instanceof errors.JOSEError))) {
    return new ApiError(
      HttpStatus.SERVICE_UNAVAILABLE,
      ErrorCodes.ServiceUnavailable,
      'ServiceUnavailable',
      'The keys to verify the token could not be fetched: try again shortly.',
      {},
      true,
    );
  }
  return unauthorized('The token could not be verified: its signature or format is not valid.');
}

function principalFrom(payload: JWTPayload): Principal {
  const { tid, oid, roles } = payload;
  if (typeof tid !== 'string' || !LOWER_CASE_GUID.test(tid)) {
    throw unauthorized('The token\'s "tid" claim must be the tenant id as a lower-case GUID.');
  }
  if (typeof oid !== 'string' || !ANY_CASE_GUID.test(oid)) {
    throw unauthorized('The token\'s "oid" claim must be the user id as a GUID.');
  }
  if (!Array.isArray(roles) || !roles.every((role): role is string => typeof role === 'string')) {
    throw unauthorized('The token\'s "roles" claim must be an array of role names.');
  }
  return Object.freeze({
    tenantId: tid,
    userId: oid.toLowerCase(),
    roles: Object.freeze([...roles]),
    isCustomer: roles.includes(CUSTOMER_ROLE),
  });
}
