import { Inject, Injectable, Logger } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { Topics } from '@app/contracts';
import { CatchUp, endOffsetsOfKeys, runSql, sql, Sql, SERVICE_SCHEMA, table } from '@app/messaging';
import { sqlStateOf } from '@app/platform';
import { ATTESTATION_COLUMNS, AttestationRow } from '../attest/attestation-record';
import { AttestationFacts } from '../attest/attestation-rules';
import { StoredRequest } from '../idempotency/idempotent-requests';
import { RELATIONSHIPS_CONSUMER } from './partners-relationships.consumer';

interface FactsRow {
  template: { agreement_type: string; retired_from: string | null } | null;
  partner: { partner_type: string; cloud: string } | null;
  customer: { cloud: string } | null;
  relationship_active: boolean | null;
}

interface ReadingKey {
  templateId: string;
  partnerId: string;
  customerTenantId: string;
  agreementType: string;
  requestId: string | null;
}

interface WaitingReading {
  key: ReadingKey;
  resolve: (reading: AttestationReading) => void;
  reject: (error: unknown) => void;
}

/** Reading statements in flight at once, and readings in one statement, at most. */
const MAX_READINGS_IN_FLIGHT = 4;
const MAX_READINGS = 64;

type ReadingRow = { n: string } & FactsRow & { [K in keyof AttestationRow]: AttestationRow[K] | null } & {
    req_fingerprint: string | null;
    req_status: number | null;
    req_body: string | null;
    req_event_ids: string[] | null;
  };

/** A legacy attestation's facts, the pair's current attestation, and the stored answer to its request id. */
export interface AttestationReading {
  facts: AttestationFacts;
  current?: AttestationRow;
  stored?: StoredRequest;
}

/** Reads, in one round trip, what the catalog and the relationship copy say about one attestation. */
@Injectable()
export class AttestationFactsReader {
  private readonly logger = new Logger(AttestationFactsReader.name);

  private readings: WaitingReading[] = [];
  private readingsInFlight = 0;
  private readingScheduled = false;

  constructor(
    private readonly dataSource: DataSource,
    private readonly catchUpCheck: CatchUp,
    @Inject(SERVICE_SCHEMA) private readonly schema: string,
  ) {}

  async read(templateId: string, partnerId: string, customerTenantId: string): Promise<AttestationFacts> {
    const [row]: FactsRow[] = await runSql(
      this.dataSource,
      this.factsQuery(templateId, partnerId, customerTenantId),
    );
    return toFacts(row);
  }

  /**
   * What a legacy attestation is judged against, in one round trip: the facts, the pair's current
   * attestation (A-08) and the stored answer to this MS-RequestId (A-13), if any. Concurrent requests'
   * readings share one statement (up to MAX_READINGS_IN_FLIGHT at once), as their writes do (LegacyWrites).
   */
  readForAttestation(
    templateId: string,
    partnerId: string,
    customerTenantId: string,
    agreementType: string,
    requestId: string | undefined,
  ): Promise<AttestationReading> {
    return new Promise((resolve, reject) => {
      this.readings.push({
        key: { templateId, partnerId, customerTenantId, agreementType, requestId: requestId ?? null },
        resolve,
        reject,
      });
      this.scheduleReadings();
    });
  }

  /** The readings asked for while one turn of the event loop ran go together, in one statement. */
  private scheduleReadings(): void {
    if (this.readingScheduled || this.readingsInFlight >= MAX_READINGS_IN_FLIGHT) return;
    this.readingScheduled = true;
    setImmediate(() => {
      this.readingScheduled = false;
      void this.sendReadings();
    });
  }

  private async sendReadings(): Promise<void> {
    if (this.readings.length === 0 || this.readingsInFlight >= MAX_READINGS_IN_FLIGHT) return;
    const batch = this.readings.splice(0, MAX_READINGS);
    this.readingsInFlight++;
    if (this.readings.length > 0) this.scheduleReadings();
    try {
      await this.runReadings(batch);
    } catch (error) {
      // A value that is not what its column holds (class 22) is one request's fault: each is read alone.
      if (batch.length > 1 && sqlStateOf(error)?.startsWith('22'))
        for (const reading of batch)
          await this.runReadings([reading]).catch((e: unknown) => reading.reject(e));
      else for (const reading of batch) reading.reject(error);
    } finally {
      this.readingsInFlight--;
      if (this.readings.length > 0) this.scheduleReadings();
    }
  }

  private async runReadings(batch: readonly WaitingReading[]): Promise<void> {
    const column = <T>(f: (k: ReadingKey) => T) => batch.map((r) => f(r.key));
    const rows: ReadingRow[] = await runSql(
      this.dataSource,
      sql`SELECT q.n, f.*, c.*, r.*
            FROM unnest(${column((k) => k.templateId)}::uuid[], ${column((k) => k.partnerId)}::uuid[],
                        ${column((k) => k.customerTenantId)}::uuid[], ${column((k) => k.agreementType)}::text[],
                        ${column((k) => k.requestId)}::text[])
                 WITH ORDINALITY AS q(template_id, partner_id, customer_tenant_id, agreement_type, request_id, n)
            CROSS JOIN LATERAL (SELECT
              (SELECT json_build_object('agreement_type', t.agreement_type, 'retired_from', t.retired_from)
                 FROM ${table(this.schema, 'templates')} t WHERE t.template_id = q.template_id) AS template,
              (SELECT json_build_object('partner_type', p.partner_type, 'cloud', p.cloud)
                 FROM ${table(this.schema, 'partners')} p WHERE p.partner_id = q.partner_id) AS partner,
              (SELECT json_build_object('cloud', cu.cloud)
                 FROM ${table(this.schema, 'customers')} cu WHERE cu.customer_tenant_id = q.customer_tenant_id) AS customer,
              (SELECT rel.active FROM ${table(this.schema, 'relationships')} rel
                WHERE rel.partner_id = q.partner_id AND rel.customer_tenant_id = q.customer_tenant_id) AS relationship_active) f
            LEFT JOIN LATERAL (
              SELECT ${ATTESTATION_COLUMNS} FROM ${table(this.schema, 'attestations')} a
               WHERE a.partner_id = q.partner_id AND a.customer_tenant_id = q.customer_tenant_id
                 AND a.agreement_type = q.agreement_type AND a.superseded_at IS NULL AND a.withdrawn_at IS NULL) c ON true
            LEFT JOIN LATERAL (
              SELECT rq.fingerprint AS req_fingerprint, rq.status AS req_status, rq.body AS req_body,
                     rq.event_ids AS req_event_ids
                FROM ${table(this.schema, 'requests')} rq
               WHERE rq.partner_id = q.partner_id AND rq.request_id = q.request_id) r ON true`,
    );
    for (const row of rows) {
      const {
        n,
        template,
        partner,
        customer,
        relationship_active,
        req_fingerprint,
        req_status,
        req_body,
        req_event_ids,
        ...current
      } = row;
      batch[Number(n) - 1].resolve({
        facts: toFacts({ template, partner, customer, relationship_active }),
        current: current.id !== null ? (current as AttestationRow) : undefined,
        stored:
          req_fingerprint !== null
            ? {
                fingerprint: req_fingerprint,
                status: req_status!,
                body: req_body!,
                event_ids: req_event_ids!,
              }
            : undefined,
      });
    }
  }

  private factsQuery(templateId: string, partnerId: string, customerTenantId: string): Sql {
    return sql`SELECT
         (SELECT json_build_object('agreement_type', agreement_type, 'retired_from', retired_from)
            FROM ${table(this.schema, 'templates')} WHERE template_id = ${templateId}) AS template,
         (SELECT json_build_object('partner_type', partner_type, 'cloud', cloud)
            FROM ${table(this.schema, 'partners')} WHERE partner_id = ${partnerId}) AS partner,
         (SELECT json_build_object('cloud', cloud)
            FROM ${table(this.schema, 'customers')} WHERE customer_tenant_id = ${customerTenantId}) AS customer,
         (SELECT active FROM ${table(this.schema, 'relationships')}
           WHERE partner_id = ${partnerId} AND customer_tenant_id = ${customerTenantId}) AS relationship_active`;
  }

  /**
   * waits (bounded by `timeoutMs`) until this service has applied every fact that was on
   * `partners.relationships` when asked, in the partitions where the partner's and the customer's
   * facts are: a fact the reseller-relationship service acknowledged with its 2xx is there, so a
   * customer created or related a moment ago is then known. False when it could not be sure in time.
   */
  async catchUp(partnerId: string, customerTenantId: string, timeoutMs: number): Promise<boolean> {
    const topic = Topics.PartnersRelationships;
    const ends = await this.catchUpCheck.topicEnds([topic]);
    const targets = endOffsetsOfKeys(ends, topic, [partnerId, customerTenantId]);
    const result = await this.catchUpCheck.waitFor(RELATIONSHIPS_CONSUMER, targets, timeoutMs);
    if (!result.caughtUp)
      this.logger.warn(`partners.relationships not caught up after ${result.waitedMs} ms; answering 503`);
    return result.caughtUp;
  }
}

function toFacts(row: FactsRow): AttestationFacts {
  return {
    template: row.template
      ? {
          agreementType: row.template.agreement_type,
          retiredFrom: row.template.retired_from ? new Date(row.template.retired_from) : null,
        }
      : undefined,
    partner: row.partner ? { partnerType: row.partner.partner_type, cloud: row.partner.cloud } : undefined,
    customer: row.customer ? { cloud: row.customer.cloud } : undefined,
    relationshipActive: row.relationship_active ?? undefined,
  };
}
