import { join, raw, Sql, sql } from '@app/messaging';
import { AuditErrors } from './audit-errors';

/** The query string of the reads (U-03), as it arrives: every value a string, all optional. */
export interface AuditQueryParams {
  partnerId?: string;
  customerTenantId?: string;
  orderId?: string;
  eventType?: string;
  from?: string;
  to?: string;
  cursor?: string;
  limit?: string;
}

/** Who is reading: an auditor reads across partners, anyone else only its own partner's events. */
export interface Reader {
  tenantId: string;
  isAuditor: boolean;
}

export interface AuditFilter {
  partnerId?: string;
  customerTenantId?: string;
  orderId?: string;
  eventType?: string;
  /** On the event's own time (`occurredAt`); a message that is not an event has none. */
  from?: string;
  to?: string;
}

export interface AuditPageRequest {
  filter: AuditFilter;
  afterSequence: number;
  limit: number;
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const EVENT_TYPE = /^[A-Za-z][A-Za-z0-9]{0,99}$/;
const ISO_DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;
export const DEFAULT_PAGE_SIZE = 100;
export const MAX_PAGE_SIZE = 1000;

function guid(field: string, value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const lower = value.toLowerCase();
  if (!GUID.test(lower)) throw AuditErrors.invalidFilter(field, 'a GUID');
  return lower;
}

function dateTime(field: string, value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const ms = Date.parse(value);
  if (!ISO_DATE_TIME.test(value) || Number.isNaN(ms)) {
    throw AuditErrors.invalidTimeRange(field, `${field} is not an ISO-8601 date-time.`);
  }
  return new Date(ms).toISOString();
}

/**
 * The filters of a read, checked, with the caller's scope applied: a partner's reads are always
 * narrowed to its own partner id, and naming another partner is refused rather than answered empty.
 */
export function toAuditFilter(params: AuditQueryParams, reader: Reader): AuditFilter {
  const partnerId = guid('partnerId', params.partnerId);
  if (!reader.isAuditor && partnerId !== undefined && partnerId !== reader.tenantId) {
    throw AuditErrors.otherPartner();
  }
  const orderId = params.orderId;
  if (orderId !== undefined && (orderId.length < 1 || orderId.length > 128)) {
    throw AuditErrors.invalidFilter('orderId', '1 to 128 characters');
  }
  // PostgreSQL text cannot hold NUL, so no stored order has one; the export also writes the value into its SQL.
  if (orderId?.includes('\0')) throw AuditErrors.invalidFilter('orderId', 'free of NUL characters');
  if (params.eventType !== undefined && !EVENT_TYPE.test(params.eventType)) {
    throw AuditErrors.invalidFilter('eventType', 'an event type name such as OrderApproved');
  }
  const from = dateTime('from', params.from);
  const to = dateTime('to', params.to);
  if (from !== undefined && to !== undefined && from > to) {
    throw AuditErrors.invalidTimeRange('from', 'from is after to.');
  }
  return {
    partnerId: reader.isAuditor ? partnerId : reader.tenantId,
    customerTenantId: guid('customerTenantId', params.customerTenantId),
    orderId,
    eventType: params.eventType,
    from,
    to,
  };
}

export function toPageRequest(params: AuditQueryParams, reader: Reader): AuditPageRequest {
  let limit = DEFAULT_PAGE_SIZE;
  if (params.limit !== undefined) {
    limit = /^\d{1,4}$/.test(params.limit) ? Number(params.limit) : 0;
    if (limit < 1 || limit > MAX_PAGE_SIZE) {
      throw AuditErrors.invalidFilter('limit', `an integer from 1 to ${MAX_PAGE_SIZE}`);
    }
  }
  return {
    filter: toAuditFilter(params, reader),
    afterSequence: params.cursor === undefined ? 0 : decodeCursor(params.cursor),
    limit,
  };
}

/** Opaque to callers: the last sequence of a page, versioned, base64url. */
export function encodeCursor(lastSequence: number): string {
  return Buffer.from(`v1:${lastSequence}`, 'utf8').toString('base64url');
}

export function decodeCursor(cursor: string): number {
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(cursor)) throw AuditErrors.invalidCursor();
  const match = /^v1:(\d{1,15})$/.exec(Buffer.from(cursor, 'base64url').toString('utf8'));
  if (!match) throw AuditErrors.invalidCursor();
  return Number(match[1]);
}

/** How a filter's value goes into a statement: a numbered parameter, or a quoted literal where none can be. */
export type FilterValue = (value: string) => Sql;

const asParameter: FilterValue = (value) => sql`${value}`;

/** The conditions of a filter, in a fixed order, each preceded by AND (none: an empty fragment). */
export function filterSql(filter: AuditFilter, value: FilterValue = asParameter): Sql {
  const conditions: Sql[] = [];
  const add = (comparison: string, given: string | undefined) => {
    if (given !== undefined) conditions.push(sql`AND ${raw(comparison)} ${value(given)}`);
  };
  add('partner_id =', filter.partnerId);
  add('customer_tenant_id =', filter.customerTenantId);
  add('order_id =', filter.orderId);
  add('event_type =', filter.eventType);
  add('occurred_at >=', filter.from);
  add('occurred_at <', filter.to);
  return join(conditions, ' ');
}
