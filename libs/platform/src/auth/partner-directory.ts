import { HttpStatus } from '@nestjs/common';
import { ApiError } from '../errors/api-error';
import { ErrorCodes } from '../errors/error-codes';

/**
 * S-03: which tenants the operator registered as partners (`POST /v1/partners` on
 * reseller-relationship, the `PartnerRegistered` fact). The platform guard asks it before a partner
 * token acts; each service answers from its own data, never another service's tables.
 * Registrations are never revoked, so a `true` may be remembered.
 */
export abstract class PartnerDirectory {
  /**
   * Whether `partnerId` (a lower-case GUID) is a registered partner. Throws an `ApiError` (503,
   * retryable) when it cannot be sure, rather than answering `false` for a partner it has not read yet.
   */
  abstract isRegistered(partnerId: string): Promise<boolean>;
}

/** Seconds a caller is told to wait when the directory cannot be sure yet. */
export const PARTNER_DIRECTORY_RETRY_AFTER_SECONDS = 2;

/** How long a service waits for its copy of `partners.relationships` before it answers 503. */
export const PARTNER_CATCH_UP_MS = 3000;

/**
 * A directory over a copy of `partners.relationships` that may lag behind the topic: a partner
 * not found is looked up again once the copy holds everything the topic held when it was asked, so
 * a partner registered a moment ago is not refused. Known partners are remembered for a while.
 */
export abstract class CatchingUpPartnerDirectory extends PartnerDirectory {
  private static readonly REMEMBER_MS = 5 * 60_000;
  private static readonly REMEMBER_AT_MOST = 100_000;
  private readonly known = new Map<string, number>();

  /** Whether the service's copy holds the partner's registration now. */
  protected abstract lookUp(partnerId: string): Promise<boolean>;

  /**
   * Waits (bounded) until the copy holds what `partners.relationships` holds now where this partner's
   * registration would be; false if it could not.
   */
  protected abstract catchUp(partnerId: string): Promise<boolean>;

  async isRegistered(partnerId: string): Promise<boolean> {
    const until = this.known.get(partnerId);
    if (until !== undefined && until > Date.now()) return true;
    if (await this.lookUp(partnerId)) return this.remember(partnerId);
    const caughtUp = await this.catchUp(partnerId);
    if (await this.lookUp(partnerId)) return this.remember(partnerId);
    if (!caughtUp) throw partnerRegistrationNotYetKnown();
    return false;
  }

  private remember(partnerId: string): true {
    if (this.known.size >= CatchingUpPartnerDirectory.REMEMBER_AT_MOST) this.known.clear();
    this.known.set(partnerId, Date.now() + CatchingUpPartnerDirectory.REMEMBER_MS);
    return true;
  }
}

export function partnerNotRegistered(partnerId: string): ApiError {
  return new ApiError(
    HttpStatus.FORBIDDEN,
    ErrorCodes.PartnerNotRegistered,
    'PartnerNotRegistered',
    `The tenant ${partnerId} is not a registered partner: the tenant must be registered by the operator ` +
      '(POST /v1/partners on the reseller-relationship service, with an operator PlatformAdmin token) before it can act as a partner.',
    { partnerId },
  );
}

export function partnerRegistrationNotYetKnown(): ApiError {
  return new ApiError(
    HttpStatus.SERVICE_UNAVAILABLE,
    ErrorCodes.PartnerRegistrationNotYetKnown,
    'PartnerRegistrationNotYetKnown',
    `Whether this tenant is a registered partner cannot be confirmed yet (the service is catching up with partner registrations): try again in ${PARTNER_DIRECTORY_RETRY_AFTER_SECONDS} seconds.`,
    { retryAfterSeconds: String(PARTNER_DIRECTORY_RETRY_AFTER_SECONDS) },
    true,
  );
}
