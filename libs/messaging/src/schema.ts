/**
 * The three tables every service keeps beside its own, in its own schema:
 * - outbox: events written in the same transaction as the state change that caused them;
 * - processed_events: the ids of events a consumer has applied, written with the effect;
 * - consumer_positions: the next offset per partition a consumer has applied, written with the
 *   effect, so that "has this service seen everything up to offset N?" is a database question
 *   that any instance can answer (the gate's G-11 and attestation's A-17 catch-up).
 */
export function messagingTablesUp(schema: string): string[] {
  const s = quoteIdent(schema);
  return [
    `CREATE TABLE IF NOT EXISTS ${s}.outbox (
       seq bigserial PRIMARY KEY,
       id uuid NOT NULL UNIQUE,
       topic text NOT NULL,
       key text NOT NULL,
       event_type text NOT NULL,
       payload text NOT NULL,
       headers jsonb NOT NULL DEFAULT '{}'::jsonb,
       created_at timestamptz NOT NULL DEFAULT now()
     )`,
    `CREATE INDEX IF NOT EXISTS outbox_key_seq ON ${s}.outbox (key, seq)`,
    `CREATE TABLE IF NOT EXISTS ${s}.processed_events (
       consumer text NOT NULL,
       event_id text NOT NULL,
       processed_at timestamptz NOT NULL DEFAULT now(),
       PRIMARY KEY (consumer, event_id)
     )`,
    `CREATE TABLE IF NOT EXISTS ${s}.consumer_positions (
       consumer text NOT NULL,
       topic text NOT NULL,
       partition int NOT NULL,
       next_offset bigint NOT NULL,
       updated_at timestamptz NOT NULL DEFAULT now(),
       PRIMARY KEY (consumer, topic, partition)
     )`,
  ];
}

export function messagingTablesDown(schema: string): string[] {
  const s = quoteIdent(schema);
  return [
    `DROP TABLE IF EXISTS ${s}.consumer_positions`,
    `DROP TABLE IF EXISTS ${s}.processed_events`,
    `DROP TABLE IF EXISTS ${s}.outbox`,
  ];
}

export function quoteIdent(name: string): string {
  if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`invalid SQL identifier: ${name}`);
  return `"${name}"`;
}
