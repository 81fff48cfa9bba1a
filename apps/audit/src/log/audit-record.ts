import { validateEvent } from '@app/contracts';

/** What the audit keeps of one message: the envelope when it is JSON, the raw bytes otherwise. */
export interface AuditRecord {
  eventId: string | null;
  eventType: string | null;
  partnerId: string | null;
  customerTenantId: string | null;
  orderId: string | null;
  occurredAt: string | null;
  envelope: unknown | null;
  raw: Buffer | null;
  invalidReason: string | null;
}

function str(v: unknown): string | null {
  return typeof v === 'string' && v.length > 0 ? v : null;
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
    raw: value,
    invalidReason: null,
  };
  if (!value || value.length === 0)
    return { ...empty, raw: value ?? Buffer.alloc(0), invalidReason: 'empty message' };
  let parsed: unknown;
  try {
    parsed = JSON.parse(value.toString('utf8'));
  } catch (err) {
    return { ...empty, invalidReason: `not valid JSON: ${(err as Error).message}` };
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) {
    return { ...empty, invalidReason: 'not a JSON object' };
  }
  const e = parsed as Record<string, any>;
  const data = (e.data && typeof e.data === 'object' ? e.data : {}) as Record<string, unknown>;
  const sourceTopic = topic.endsWith('.dlq') ? topic.slice(0, -'.dlq'.length) : topic;
  const check = validateEvent(parsed, { topic: sourceTopic });
  return {
    eventId: str(e.eventId),
    eventType: str(e.eventType),
    partnerId: str(data.partnerId) ?? str(data.providerPartnerId) ?? str(data.viaPartnerId),
    customerTenantId: str(data.customerTenantId)?.toLowerCase() ?? null,
    orderId: str(data.orderId),
    occurredAt:
      typeof e.occurredAt === 'string' && !Number.isNaN(Date.parse(e.occurredAt)) ? e.occurredAt : null,
    envelope: parsed,
    raw: null,
    invalidReason: check.ok ? null : check.reason,
  };
}
