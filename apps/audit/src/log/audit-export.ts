/**
 * The export's line formats (U-03), written by PostgreSQL: the lines leave the database through a
 * COPY as bytes (copy-out.ts), so the service never holds one as a string and its memory stays flat
 * however large the log. Each NDJSON line has the fields of an item of GET /v1/audit/events.
 */
const iso = (column: string) => `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;
const base64 = (column: string) => `translate(encode(${column}, 'base64'), E'\\n', '')`;

export const NDJSON_LINE = `json_build_object(
  'sequence', seq, 'eventId', event_id, 'eventType', event_type, 'topic', topic, 'partition', partition,
  'offset', "offset"::text, 'key', key, 'kafkaTimestamp', ${iso('kafka_timestamp')},
  'receivedAt', ${iso('received_at')}, 'occurredAt', ${iso('occurred_at')}, 'partnerId', partner_id,
  'customerTenantId', customer_tenant_id, 'orderId', order_id, 'headers', headers, 'envelope', envelope,
  'raw', ${base64('raw')}, 'invalidReason', invalid_reason, 'hash', encode(hash, 'hex'))::text || E'\\n'`;

export const CSV_HEADER =
  'sequence,eventId,eventType,topic,partition,offset,key,kafkaTimestamp,receivedAt,occurredAt,partnerId,' +
  'customerTenantId,orderId,invalidReason,hash,headers,envelope,raw\r\n';

/** RFC 4180: a field with a comma, quote or line break is quoted, its quotes doubled. Values are kept exact. */
const csv = (expression: string) =>
  `CASE WHEN (${expression}) ~ '[",\\r\\n]' THEN '"' || replace(${expression}, '"', '""') || '"'
        ELSE coalesce(${expression}, '') END`;

export const CSV_LINE = [
  'seq::text',
  'event_id',
  'event_type',
  'topic',
  'partition::text',
  '"offset"::text',
  'key',
  iso('kafka_timestamp'),
  iso('received_at'),
  iso('occurred_at'),
  'partner_id',
  'customer_tenant_id',
  'order_id',
  'invalid_reason',
  "encode(hash, 'hex')",
  'headers::text',
  'envelope::text',
  base64('raw'),
]
  .map(csv)
  .join(` || ',' || `)
  .concat(` || E'\\r\\n'`);
