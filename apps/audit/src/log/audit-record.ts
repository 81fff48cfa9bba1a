import { validateEvent } from '@app/contracts';
import { canonicalJson, mayHoldUnstorableString, NotStorableJsonError } from './audit-chain';
import { canonicalJsonOfText } from './canonical-json-text';

/** What the audit keeps of one message: the envelope when it is JSON, the raw bytes otherwise. */
export interface AuditRecord {
  eventId: string | null;
  eventType: string | null;
  /** The partner the event is about, lower-cased: what a partner's reads are scoped by. */
  partnerId: string | null;
  customerTenantId: string | null;
  orderId: string | null;
  /** The envelope's `occurredAt` as ISO-8601 with milliseconds, when it is a usable date-time. */
  occurredAt: string | null;
  envelope: unknown | null;
  /** The envelope as canonical JSON: what the log stores (jsonb) and hashes. */
  envelopeJson: string | null;
  raw: Buffer | null;
  invalidReason: string | null;
}

function str(v: unknown): string | null {
  return typeof v === 'string' && v.length > 0 ? v : null;
}

/** A date-time PostgreSQL's timestamptz and the chain's ISO form both hold exactly (years 1..9999). */
function isoMillis(v: unknown): string | null {
  if (typeof v !== 'string') return null;
  const ms = Date.parse(v);
  if (Number.isNaN(ms)) return null;
  const iso = new Date(ms).toISOString();
  return /^\d{4}-/.test(iso) && !iso.startsWith('0000') ? iso : null;
}

/**
 * The partner an event is about: `partnerId` on most events, the provider on
 * `IndirectResellerLinked`, the partner whose invitation carried a `CustomerAgreementAccepted`.
 * A customer's direct acceptance without an invitation names no partner: only auditors read it.
 */
function partnerOf(data: Record<string, unknown>): string | null {
  const partner = str(data.partnerId) ?? str(data.providerPartnerId) ?? str(data.viaPartnerId);
  return partner?.toLowerCase() ?? null;
}

/** Pure: turns a message's bytes into the record the log stores; never throws, never drops. */
export function toAuditRecord(topic: string, value: Buffer | null): AuditRecord {
  const empty: AuditRecord = {
    eventId: null,
    eventType: null,
    partnerId: null,
    customerTenantId: null,
    orderId: null,
    occurredAt: null,
    envelope: null,
    envelopeJson: null,
    raw: value,
    invalidReason: null,
  };
  if (!value || value.length === 0)
    return { ...empty, raw: value ?? Buffer.alloc(0), invalidReason: 'empty message' };
  const text = value.toString('utf8');
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    return { ...empty, invalidReason: `not valid JSON: ${(err as Error).message}` };
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) {
    return { ...empty, invalidReason: 'not a JSON object' };
  }
  let envelopeJson: string;
  try {
    // Text that could hold no NUL or lone surrogate is re-written from the text itself, which costs less.
    envelopeJson = mayHoldUnstorableString(text) ? canonicalJson(parsed) : canonicalJsonOfText(text);
  } catch (err) {
    if (!(err instanceof NotStorableJsonError)) throw err;
    return { ...empty, invalidReason: `JSON kept as raw bytes: ${err.message}` };
  }
  const e = parsed as Record<string, any>;
  const data = (e.data && typeof e.data === 'object' ? e.data : {}) as Record<string, unknown>;
  const sourceTopic = topic.endsWith('.dlq') ? topic.slice(0, -'.dlq'.length) : topic;
  const check = validateEvent(parsed, { topic: sourceTopic });
  return {
    eventId: str(e.eventId),
    eventType: str(e.eventType),
    partnerId: partnerOf(data),
    customerTenantId: str(data.customerTenantId)?.toLowerCase() ?? null,
    orderId: str(data.orderId),
    occurredAt: isoMillis(e.occurredAt),
    envelope: parsed,
    envelopeJson,
    raw: null,
    invalidReason: check.ok ? null : check.reason,
  };
}
