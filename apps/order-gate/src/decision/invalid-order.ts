import {
  BlockedReason,
  CORRELATION_ID_MAX_LENGTH,
  EventTypes,
  isDateTime,
  isGuid,
  ORDER_KINDS,
  OrderKind,
  READABLE_ORDER_ID_MAX_LENGTH,
} from '@app/contracts';
import { Policy } from '../policy/policy';
import { Decision, NO_EVIDENCE } from './decide';

/** The one writer of commerce.orders.requested (docs/contract.md): a request from anyone else is not answered (S-04). */
const ORDER_REQUEST_PRODUCER = 'commerce-platform';

/** What could be read of an OrderRequested that failed validation; only fields that are valid are kept. */
export interface InvalidOrderRequest {
  orderId: string;
  partnerId?: string;
  customerTenantId?: string;
  kind?: OrderKind;
  requestedAt?: string;
  /** The request's eventId, when it is one (the decision's causationId). */
  eventId: string | null;
  correlationId: string | null;
}

const OTHER_EVENT_TYPES = new Set<string>(
  Object.values(EventTypes).filter((t) => t !== EventTypes.OrderRequested),
);
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * G-14: what can be read of a request on commerce.orders.requested that failed validation, or undefined when it
 * cannot be answered: not a JSON object, another event than an order request, not from the commerce platform, or
 * no orderId that can be stored and sent back as it is (a non-empty string of at most
 * READABLE_ORDER_ID_MAX_LENGTH characters, without NUL or a lone surrogate, which PostgreSQL text cannot hold).
 */
export function readInvalidOrder(value: Buffer | null): InvalidOrderRequest | undefined {
  if (!value) return undefined;
  let raw: unknown;
  try {
    raw = JSON.parse(value.toString('utf8'));
  } catch {
    return undefined;
  }
  if (!isObject(raw) || !isObject(raw.data)) return undefined;
  if (typeof raw.eventType === 'string' && OTHER_EVENT_TYPES.has(raw.eventType)) return undefined;
  if (raw.producer !== ORDER_REQUEST_PRODUCER) return undefined;
  const { orderId, partnerId, customerTenantId, kind, requestedAt } = raw.data;
  if (!isReadableOrderId(orderId)) return undefined;
  const { eventId, correlationId } = raw;
  return {
    orderId,
    partnerId: isGuid(partnerId) ? partnerId : undefined,
    customerTenantId: isGuid(customerTenantId) ? customerTenantId : undefined,
    kind: (ORDER_KINDS as readonly unknown[]).includes(kind) ? (kind as OrderKind) : undefined,
    requestedAt: isDateTime(requestedAt) ? requestedAt : undefined,
    eventId: isGuid(eventId) ? eventId : null,
    correlationId:
      typeof correlationId === 'string' &&
      correlationId.length > 0 &&
      correlationId.length <= CORRELATION_ID_MAX_LENGTH
        ? correlationId
        : null,
  };
}

/** The answer to a request that failed validation: blocked, saying what is wrong and what to do (G-14, G-08). */
export function invalidOrderDecision(policy: Policy, reason: string): Decision {
  return {
    outcome: 'Blocked',
    reason: BlockedReason.InvalidOrder,
    message:
      `Blocked: the order request is not valid: ${reason}. ` +
      'Correct it and request the order again under a new orderId (this orderId has its decision).',
    evidence: NO_EVIDENCE,
    policyVersion: policy.id,
  };
}

function isReadableOrderId(value: unknown): value is string {
  return (
    typeof value === 'string' &&
    value.length > 0 &&
    value.length <= READABLE_ORDER_ID_MAX_LENGTH &&
    !value.includes('\u0000') &&
    !LONE_SURROGATE.test(value)
  );
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
