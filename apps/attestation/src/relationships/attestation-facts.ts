import { Inject, Injectable, Logger } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { Topics } from '@app/contracts';
import { CatchUp, endOffsetsOfKeys, runSql, sql, Sql, SERVICE_SCHEMA, table } from '@app/messaging';
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

type ReadingRow = FactsRow & { [K in keyof AttestationRow]: AttestationRow[K] | null } & {
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
   * attestation and the stored answer to this MS-RequestId, if any.
   */
  async readForAttestation(
    templateId: string,
    partnerId: string,
    customerTenantId: string,
    agreementType: string,
    requestId: string | undefined,
  ): Promise<AttestationReading> {
    const [row]: ReadingRow[] = await runSql(
      this.dataSource,
      sql`SELECT f.*, c.*, r.*
            FROM (${this.factsQuery(templateId, partnerId, customerTenantId)}) f
            LEFT JOIN LATERAL (
              SELECT ${ATTESTATION_COLUMNS} FROM ${table(this.schema, 'attestations')}
               WHERE partner_id = ${partnerId} AND customer_tenant_id = ${customerTenantId}
                 AND agreement_type = ${agreementType} AND superseded_at IS NULL AND withdrawn_at IS NULL) c ON true
            LEFT JOIN LATERAL (
              SELECT fingerprint AS req_fingerprint, status AS req_status, body AS req_body,
                     event_ids AS req_event_ids
                FROM ${table(this.schema, 'requests')}
               WHERE partner_id = ${partnerId} AND request_id = ${requestId ?? null}::text) r ON true`,
    );
    const {
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
    return {
      facts: toFacts({ template, partner, customer, relationship_active }),
      current: current.id !== null ? (current as AttestationRow) : undefined,
      stored:
        req_fingerprint !== null
          ? { fingerprint: req_fingerprint, status: req_status!, body: req_body!, event_ids: req_event_ids! }
          : undefined,
    };
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
    const ends = await this.catchUpCheck.endOffsets([topic]);
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
