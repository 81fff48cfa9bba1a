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

/**
 * The outbox lease: a consumer that sends its events itself as soon as its transaction commits
 * (OutboxRelay.publishNow) writes them leased to its relay, until `lease_until`. No relay claims a
 * row under a live lease, so the send needs no claim round trip first; a lease left behind by a
 * crash expires, and the row is then any relay's (at least once, as always).
 */
export function outboxLeaseUp(schema: string): string[] {
  const s = quoteIdent(schema);
  return [
    `ALTER TABLE ${s}.outbox ADD COLUMN IF NOT EXISTS lease_owner uuid, ADD COLUMN IF NOT EXISTS lease_until timestamptz`,
  ];
}

export function outboxLeaseDown(schema: string): string[] {
  const s = quoteIdent(schema);
  return [`ALTER TABLE ${s}.outbox DROP COLUMN IF EXISTS lease_owner, DROP COLUMN IF EXISTS lease_until`];
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
