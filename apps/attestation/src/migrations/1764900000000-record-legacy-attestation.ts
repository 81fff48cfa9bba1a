import { MigrationInterface, QueryRunner } from 'typeorm';
import { quoteIdent } from '@app/messaging';

/** The SQLSTATE the function raises when the current attestation is not the one the caller judged against. */
export const CURRENT_CHANGED_SQLSTATE = 'AT409';

/**
 * The legacy attestation's write as one statement (docs/performance.md, "Attestation"): a stored function
 * that does in one round trip, and one synchronous commit, what the handler did in nine statements.
 * In order, in the caller's (implicit) transaction:
 *
 * 1. A-13: claims (partner, MS-RequestId). A second request with the same id blocks on the unique key until
 *    the first commits, then gets the stored answer (`outcome = 'stored'`) and changes nothing.
 * 2. A-08: takes the pair's advisory lock (the same key as withdrawal and enhanced finalization), then reads
 *    the current attestation. Each statement of a PL/pgSQL function takes a fresh snapshot, so it sees what
 *    the lock's previous holder committed: one CTE could not (its snapshot predates the lock).
 * 3. An exact repeat of the current attestation records nothing and answers 200 with the current record
 *    (`p_repeat_body`, the caller's judgement of the row it read, `p_seen_current`: rows are immutable but
 *    for being superseded or withdrawn); anything else supersedes the current one, inserts the attestation
 *    and its AgreementAttested outbox row (leased to the caller's relay, which sends it on commit, as
 *    OutboxRelay.publishNow; see outboxInsert in libs/messaging), and answers 201. When another request changed the pair since the
 *    caller read it and the new current one is an exact repeat of this request, raises AT409 and everything
 *    rolls back: the caller reads again (and then answers with that record).
 * 5. A-13: stores the answer's bytes and event ids with the request.
 */
export function recordLegacyAttestationMigration(schema: string): new () => MigrationInterface {
  const s = quoteIdent(schema);
  const fn = `${s}.record_legacy_attestation`;
  const signature = `${fn}(uuid, text, text, text, uuid, text, uuid, text, uuid, uuid, timestamptz, uuid, text,
    jsonb, text, text, uuid, text, text, text, text, jsonb, uuid, int)`;
  const batch = `${s}.record_legacy_attestations`;
  return class RecordLegacyAttestation1764900000000 implements MigrationInterface {
    name = 'RecordLegacyAttestation1764900000000';

    async up(q: QueryRunner): Promise<void> {
      await q.query(`
        CREATE FUNCTION ${fn}(
          p_partner_id uuid, p_request_id text, p_fingerprint text, p_lock_key text,
          p_customer_tenant_id uuid, p_agreement_type text, p_seen_current uuid, p_repeat_body text,
          p_id uuid, p_template_id uuid, p_date_agreed timestamptz, p_user_id uuid, p_attested_by text,
          p_primary_contact jsonb, p_channel text, p_body text,
          p_event_id uuid, p_topic text, p_key text, p_event_type text, p_payload text, p_headers jsonb,
          p_lease_owner uuid, p_lease_seconds int)
        RETURNS TABLE (outcome text, status int, body text, event_ids text[], fingerprint text, leased boolean, seq bigint)
        LANGUAGE plpgsql VOLATILE
        AS $fn$
        #variable_conflict use_column
        DECLARE
          v_current record;
        BEGIN
          IF p_request_id IS NOT NULL THEN
            INSERT INTO ${s}.requests (partner_id, request_id, fingerprint)
            VALUES (p_partner_id, p_request_id, p_fingerprint)
            ON CONFLICT DO NOTHING;
            IF NOT FOUND THEN
              RETURN QUERY
                SELECT 'stored'::text, r.status, r.body, r.event_ids, r.fingerprint, false, NULL::bigint FROM ${s}.requests r
                 WHERE r.partner_id = p_partner_id AND r.request_id = p_request_id;
              RETURN;
            END IF;
          END IF;

          PERFORM pg_advisory_xact_lock(hashtextextended(p_lock_key, 0));
          SELECT a.id, a.template_id, a.date_agreed, a.primary_contact INTO v_current FROM ${s}.attestations a
           WHERE a.partner_id = p_partner_id AND a.customer_tenant_id = p_customer_tenant_id
             AND a.agreement_type = p_agreement_type AND a.superseded_at IS NULL AND a.withdrawn_at IS NULL;
          IF v_current.id IS DISTINCT FROM p_seen_current THEN
            -- Changed since the caller read it. Not an exact repeat of this request: this one supersedes it
            -- like any other. An exact repeat: the caller must answer with that record, so it reads again.
            IF v_current.id IS NOT NULL
               AND v_current.template_id = p_template_id AND v_current.date_agreed = p_date_agreed
               AND v_current.primary_contact->>'firstName' IS NOT DISTINCT FROM p_primary_contact->>'firstName'
               AND v_current.primary_contact->>'lastName' IS NOT DISTINCT FROM p_primary_contact->>'lastName'
               AND v_current.primary_contact->>'email' IS NOT DISTINCT FROM p_primary_contact->>'email'
               AND v_current.primary_contact->>'phoneNumber' IS NOT DISTINCT FROM p_primary_contact->>'phoneNumber' THEN
              RAISE EXCEPTION 'the current attestation changed since the request was judged'
                USING ERRCODE = '${CURRENT_CHANGED_SQLSTATE}';
            END IF;
            p_repeat_body := NULL;
          END IF;

          IF p_repeat_body IS NOT NULL THEN
            outcome := 'repeat';
            leased := false;
            status := 200;
            body := p_repeat_body;
            event_ids := '{}'::text[];
          ELSE
            IF v_current.id IS NOT NULL THEN
              UPDATE ${s}.attestations a SET superseded_at = now(), superseded_by = p_id WHERE a.id = v_current.id;
            END IF;
            INSERT INTO ${s}.attestations (id, partner_id, customer_tenant_id, agreement_type, template_id,
                   date_agreed, user_id, attested_by, primary_contact, channel, event_id)
            VALUES (p_id, p_partner_id, p_customer_tenant_id, p_agreement_type, p_template_id,
                   p_date_agreed, p_user_id, p_attested_by, p_primary_contact, p_channel, p_event_id);
            -- Leased to the caller's relay, which sends it as soon as this commits, unless the key has an
            -- older row that is not that relay's to send: that one goes first, by the relay rounds.
            IF p_lease_owner IS NOT NULL AND NOT EXISTS (
                 SELECT 1 FROM ${s}.outbox o WHERE o.key = p_key
                    AND (o.lease_owner IS DISTINCT FROM p_lease_owner OR o.lease_until < now())) THEN
              INSERT INTO ${s}.outbox AS o (id, topic, key, event_type, payload, headers, lease_owner, lease_until)
              VALUES (p_event_id, p_topic, p_key, p_event_type, p_payload, p_headers,
                      p_lease_owner, now() + make_interval(secs => p_lease_seconds))
              RETURNING o.seq INTO seq;
              leased := true;
            ELSE
              INSERT INTO ${s}.outbox (id, topic, key, event_type, payload, headers)
              VALUES (p_event_id, p_topic, p_key, p_event_type, p_payload, p_headers);
              leased := false;
              seq := NULL;
            END IF;
            outcome := 'recorded';
            status := 201;
            body := p_body;
            event_ids := ARRAY[p_event_id::text];
          END IF;

          IF p_request_id IS NOT NULL THEN
            UPDATE ${s}.requests r SET status = record_legacy_attestation.status,
                   body = record_legacy_attestation.body, event_ids = record_legacy_attestation.event_ids
             WHERE r.partner_id = p_partner_id AND r.request_id = p_request_id;
          END IF;
          fingerprint := p_fingerprint;
          RETURN NEXT;
        END
        $fn$`);
      // Group commit: the attestations of concurrent requests in one statement and one commit, each in a
      // subtransaction of its own (a PL/pgSQL block with an exception handler): one that fails is rolled back
      // alone and answered with its SQLSTATE and message, and the others are recorded. The caller orders
      // them by lock key, so that two batches take their locks in one order.
      await q.query(`
        CREATE FUNCTION ${batch}(p_items jsonb, p_lease_owner uuid, p_lease_seconds int)
        RETURNS TABLE (n int, outcome text, status int, body text, event_ids text[], fingerprint text,
                       leased boolean, seq bigint, error_state text, error_message text)
        LANGUAGE plpgsql VOLATILE
        AS $fn$
        #variable_conflict use_column
        DECLARE
          v_item jsonb;
          v_n int := 0;
          v_r record;
        BEGIN
          FOR v_item IN SELECT e.value FROM jsonb_array_elements(p_items) e LOOP
            n := v_n;
            BEGIN
              SELECT * INTO STRICT v_r FROM ${fn}(
                (v_item->>'partnerId')::uuid, v_item->>'requestId', v_item->>'fingerprint', v_item->>'lockKey',
                (v_item->>'customerTenantId')::uuid, v_item->>'agreementType', (v_item->>'seenCurrent')::uuid,
                v_item->>'repeatBody', (v_item->>'id')::uuid, (v_item->>'templateId')::uuid,
                (v_item->>'dateAgreed')::timestamptz, (v_item->>'userId')::uuid, v_item->>'attestedBy',
                v_item->'primaryContact', v_item->>'channel', v_item->>'body', (v_item->>'eventId')::uuid,
                v_item->>'topic', v_item->>'key', v_item->>'eventType', v_item->>'payload', v_item->'headers',
                p_lease_owner, p_lease_seconds);
              outcome := v_r.outcome;
              status := v_r.status;
              body := v_r.body;
              event_ids := v_r.event_ids;
              fingerprint := v_r.fingerprint;
              leased := v_r.leased;
              seq := v_r.seq;
              error_state := NULL;
              error_message := NULL;
            EXCEPTION WHEN OTHERS THEN
              outcome := 'failed';
              status := NULL;
              body := NULL;
              event_ids := NULL;
              fingerprint := NULL;
              leased := NULL;
              seq := NULL;
              error_state := SQLSTATE;
              error_message := SQLERRM;
            END;
            RETURN NEXT;
            v_n := v_n + 1;
          END LOOP;
        END
        $fn$`);
    }

    async down(q: QueryRunner): Promise<void> {
      await q.query(`DROP FUNCTION ${batch}(jsonb, uuid, int)`);
      await q.query(`DROP FUNCTION ${signature}`);
    }
  };
}
