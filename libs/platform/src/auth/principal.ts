/** The roles our tokens carry (the same strings as `Role` in `@app/contracts`). */
export type RoleName =
  'AdminAgent' | 'SalesAgent' | 'HelpdeskAgent' | 'Auditor' | 'PlatformAdmin' | 'Customer';

export const CUSTOMER_ROLE: RoleName = 'Customer';

/** Roles held for the operator, not for a partner: they count only in tokens of `OPERATOR_TENANT_IDS` (S-03). */
export const OPERATOR_ROLES: readonly RoleName[] = ['Auditor', 'PlatformAdmin'];

export function isOperatorRole(role: string): boolean {
  return (OPERATOR_ROLES as readonly string[]).includes(role);
}

/** Who is calling, from a verified token. */
export interface Principal {
  /** `tid`: the partner's tenant id, or the customer's tenant id for a customer token. */
  readonly tenantId: string;
  /** `oid`: the user, lower-cased. */
  readonly userId: string;
  /** The roles that count: the token's, less `Auditor` and `PlatformAdmin` unless `tid` is an operator tenant. */
  readonly roles: readonly string[];
  /** The token is a customer's (`roles` holds `Customer`): it reaches only `@CustomerRoute()`s. */
  readonly isCustomer: boolean;
  /** The token holds an operator role that counts (S-03): it acts for the operator, not as a partner. */
  readonly actsAsOperator: boolean;
}
