import { raw, Sql, sql, table } from '@app/messaging';
import { csvCellSql } from '@app/platform';

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

/**
 * RFC 4180, and a cell a spreadsheet would run as a formula starts with an apostrophe (S-10), by the rule the
 * attestation export shares (csvCell): the NDJSON export is the one that keeps every value exact. csvCellSql
 * reads its value several times, so each value is computed once in a lateral subquery (OFFSET 0 keeps the
 * planner from folding it back into every use).
 */
const CSV_VALUES = [
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
];

export const CSV_LINE = CSV_VALUES.map((_, i) => csvCellSql(`csv.c${i}`))
  .join(` || ',' || `)
  .concat(` || E'\\r\\n'`);

/** What each format's line is selected from: the log, and for CSV its values computed once per row. */
export function exportSource(schema: string): Record<'ndjson' | 'csv', Sql> {
  const events = table(schema, 'events');
  const csvValues = raw(CSV_VALUES.map((v, i) => `${v} AS c${i}`).join(', '));
  return {
    ndjson: events,
    csv: sql`${events} CROSS JOIN LATERAL (SELECT ${csvValues} OFFSET 0) AS csv`,
  };
}
