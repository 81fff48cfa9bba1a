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
import type { Request } from 'express';
import { createSecretKey } from 'node:crypto';
import { isLocalJwksUrl, SERVICE_CONFIG, type ServiceConfig } from '../config';
import { ApiError } from '../errors/api-error';
import { ErrorCodes } from '../errors/error-codes';
import { CUSTOMER_ROLE, isOperatorRole, type Principal } from './principal';

const BEARER = /^Bearer +(\S+)\s*$/i;
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
 * A local run may have a secret beside a key set on a loopback host (its own OIDC provider): HS256
 * tokens are then checked with the secret, RS256/ES256 ones with the key set, issuer and audience.
 */
@Injectable()
export class JwtVerifier {
  private readonly secretKey?: KeyLike;
  private readonly publicKeys = new Map<AsymmetricAlgorithm, Promise<KeyLike | undefined>>();
  private readonly remoteKeySet?: JWTVerifyGetKey;
  private readonly claimChecks: Pick<JWTVerifyOptions, 'issuer' | 'audience'>;
  /** Issuer and audience for HS256 tokens: none beside a local key set (they name that provider's). */
  private readonly secretClaimChecks: Pick<JWTVerifyOptions, 'issuer' | 'audience'>;
  private readonly operatorTenants: ReadonlySet<string>;
  private readonly verified = new WeakMap<Request, Promise<Principal | undefined>>();

  constructor(@Inject(SERVICE_CONFIG) private readonly config: ServiceConfig) {
    const { secret, publicKey, jwksUrl, issuer, audience } = config.jwt;
    // S-03: HS256 only where no public key and no key set off this machine is configured (the
    // configuration refuses both at once; this keeps a forged HS256 token out even if it did not).
    const localKeySet = jwksUrl !== undefined && isLocalJwksUrl(jwksUrl);
    if (secret && !publicKey && (!jwksUrl || localKeySet)) {
      this.secretKey = createSecretKey(Buffer.from(secret, 'utf8'));
    }
    this.operatorTenants = new Set(config.operatorTenantIds);
    if (jwksUrl) this.remoteKeySet = createRemoteJWKSet(new URL(jwksUrl));
    this.claimChecks = { issuer, audience };
    this.secretClaimChecks = jwksUrl ? {} : this.claimChecks;
  }

  /**
   * The verified caller of a request, or undefined when it carries no bearer token. Verified once
   * per request, however many guards ask (the rate limit keys on it before authentication runs).
   */
  principalOf(request: Request): Promise<Principal | undefined> {
    let principal = this.verified.get(request);
    if (!principal) {
      const token = BEARER.exec(request.headers.authorization ?? '')?.[1];
      principal = token ? this.verify(token) : Promise.resolve(undefined);
      principal.catch(() => undefined);
      this.verified.set(request, principal);
    }
    return principal;
  }

  async verify(token: string): Promise<Principal> {
    const header = this.decodeHeader(token);
    const alg = header.alg;
    const common: JWTVerifyOptions = {
      algorithms: [alg ?? 'none'],
      requiredClaims: ['exp'],
      clockTolerance: CLOCK_TOLERANCE_SECONDS,
    };
    const options: JWTVerifyOptions = { ...common, ...this.claimChecks };
    let payload: JWTPayload;
    let fromRemoteKeySet = false;
    try {
      if (alg === 'HS256' && this.secretKey) {
        ({ payload } = await jwtVerify(token, this.secretKey, { ...common, ...this.secretClaimChecks }));
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
    return principalFrom(payload, this.operatorTenants);
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

function principalFrom(payload: JWTPayload, operatorTenants: ReadonlySet<string>): Principal {
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
  // S-03: operator roles from any other tenant are dropped, as if the token did not carry them.
  const isOperatorTenant = operatorTenants.has(tid);
  const effectiveRoles = roles.filter((role) => isOperatorTenant || !isOperatorRole(role));
  return Object.freeze({
    tenantId: tid,
    userId: oid.toLowerCase(),
    roles: Object.freeze([...new Set(effectiveRoles)]),
    isCustomer: roles.includes(CUSTOMER_ROLE),
    actsAsOperator: effectiveRoles.some(isOperatorRole),
  });
}
