/** The roles our tokens carry (the same strings as `Role` in `@app/contracts`). */
export type RoleName =
  'AdminAgent' | 'SalesAgent' | 'HelpdeskAgent' | 'Auditor' | 'PlatformAdmin' | 'Customer';

export const CUSTOMER_ROLE: RoleName = 'Customer';

/** Who is calling, from a verified token. */
export interface Principal {
  /** `tid`: the partner's tenant id, or the customer's tenant id for a customer token. */
  readonly tenantId: string;
  /** `oid`: the user, lower-cased. */
  readonly userId: string;
  readonly roles: readonly string[];
  /** The token is a customer's (`roles` holds `Customer`): it reaches only `@CustomerRoute()`s. */
  readonly isCustomer: boolean;
}
