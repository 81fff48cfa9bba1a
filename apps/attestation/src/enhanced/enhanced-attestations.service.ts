import { Inject, Injectable } from '@nestjs/common';
import { randomUUID } from 'crypto';
import { DataSource, EntityManager } from 'typeorm';
import {
  buildEnvelope,
  EnhancedAttestationAcceptedV1,
  EnhancedAttestationStatus,
  SHA256_HEX_PATTERN,
  Topics,
} from '@app/contracts';
import { OutboxMessage, runSql, SERVICE_SCHEMA, sql, table, TransactionalOutbox } from '@app/messaging';
import { acceptanceTokenHash } from './acceptance-token';
import { canonicalJson, EvidenceRecord, evidenceHash, typedProblems } from './evidence';
import { makeAgreement } from './make-agreement';
import {
  agreementLinkOf,
  effectiveStatus,
  ENHANCED_COLUMNS,
  EnhancedAttestationRow,
} from './enhanced-attestation-row';

/** What the acceptance page shows of one attestation (E-02): nothing about any other (E-08). */
export interface AcceptancePageView {
  attestationId: string;
  /** Expired when Pending past expiresAt. */
  status: EnhancedAttestationStatus;
  companyName: string;
  signatoryFirstName: string;
  signatoryLastName: string;
  country: string;
  language: string;
  templateId: string;
  /** The template's document link for the country and language. */
  agreementLink: string;
  expiresAt: string;
  acceptedAt?: string;
  acceptedByName?: string;
}

export type AcceptProblemField = 'signatoryFirstName' | 'signatoryLastName' | 'signatoryEmail' | 'accept';

export type AcceptOutcome =
  | { outcome: 'Accepted'; view: AcceptancePageView }
  /** E-03: records nothing new. */
  | { outcome: 'AlreadyAccepted'; view: AcceptancePageView }
  /** E-05: records nothing. */
  | { outcome: 'Expired' | 'Cancelled'; view: AcceptancePageView }
  /** E-08: reveals nothing. */
  | { outcome: 'Unknown' }
  | { outcome: 'Invalid'; problems: { field: AcceptProblemField; code: string }[] };

export interface TypedAcceptance {
  signatoryFirstName: string;
  signatoryLastName: string;
  signatoryEmail: string;
  accept: boolean;
}

export interface AcceptanceContext {
  clientAddress: string;
  userAgent: string;
  /** SHA-256 (hex) of the exact text the page showed. */
  shownTextHash: string;
}

interface ViewRow extends EnhancedAttestationRow {
  typed_first_name: string | null;
  typed_last_name: string | null;
}

/**
 * The acceptance page's side of the enhanced attestation (E-02, E-03, E-05, E-08): what a link shows and
 * what accepting it records. The page (enhanced/page) renders; this service decides and records.
 */
@Injectable()
export class EnhancedAttestationsService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly outbox: TransactionalOutbox,
    @Inject(SERVICE_SCHEMA) private readonly schema: string,
  ) {}

  /** The page of a link; null when the token names no attestation (E-08: the page reveals nothing). */
  async viewByToken(token: string, now = new Date()): Promise<AcceptancePageView | null> {
    const tokenHash = acceptanceTokenHash(token);
    if (!tokenHash) return null;
    const [row]: ViewRow[] = await runSql(
      this.dataSource,
      sql`SELECT ${ENHANCED_COLUMNS}, v.typed_first_name, v.typed_last_name
            FROM ${table(this.schema, 'enhanced_attestations')} e
            JOIN ${table(this.schema, 'templates')} t ON t.template_id = e.template_id
            LEFT JOIN ${table(this.schema, 'enhanced_attestation_evidence')} v ON v.attestation_id = e.id
           WHERE e.token_hash = ${tokenHash}`,
    );
    return row ? pageViewOf(row, now) : null;
  }

  /**
   * E-03: accepts the link once. Under a row lock (two submissions at once: one Accepted, the other
   * AlreadyAccepted), it records the evidence record and its hash, sets Accepted and emits
   * EnhancedAttestationAccepted in one transaction, and with autoFinalize makes the agreement too (E-04).
   * Expired, cancelled, already accepted and unknown links record nothing (E-05, E-08).
   */
  async accept(
    token: string,
    typed: TypedAcceptance,
    context: AcceptanceContext,
    now = new Date(),
  ): Promise<AcceptOutcome> {
    const tokenHash = acceptanceTokenHash(token);
    if (!tokenHash) return { outcome: 'Unknown' };
    const shownTextHash = String(context.shownTextHash).toLowerCase();
    if (!SHA256_HEX_PATTERN.test(shownTextHash))
      throw new TypeError('shownTextHash must be the SHA-256 (hex) of the text the page showed');
    let eventIds: string[] = [];
    const decided = await this.dataSource.transaction(async (manager): Promise<Decision> => {
      const [row]: EnhancedAttestationRow[] = await runSql(
        manager,
        sql`SELECT ${ENHANCED_COLUMNS} FROM ${table(this.schema, 'enhanced_attestations')} e
              JOIN ${table(this.schema, 'templates')} t ON t.template_id = e.template_id
             WHERE e.token_hash = ${tokenHash} FOR UPDATE OF e`,
      );
      if (!row) return { outcome: 'Unknown' };
      const status = effectiveStatus(row, now);
      if (status === 'Accepted' || status === 'Finalized') return { outcome: 'AlreadyAccepted' };
      if (status === 'Expired' || status === 'Cancelled') return { outcome: status };
      const expected = {
        firstName: row.signatory_first_name,
        lastName: row.signatory_last_name,
        email: row.signatory_email,
      };
      const problems = typedProblems(expected, typed);
      if (problems.length > 0) return { outcome: 'Invalid', problems };
      const events = await this.recordAcceptance(manager, row, typed, context, shownTextHash, now);
      eventIds = await this.outbox.enqueue(manager, events);
      return { outcome: 'Accepted' };
    });
    // The answer does not wait for more than the relay's flush: the acceptance is committed either way.
    await this.outbox.confirmPublished(eventIds, () => new Error('unconfirmed')).catch(() => undefined);
    if (decided.outcome === 'Invalid') return decided;
    if (decided.outcome === 'Unknown') return { outcome: 'Unknown' };
    const view = await this.viewByToken(token, now);
    if (!view) return { outcome: 'Unknown' };
    switch (decided.outcome) {
      case 'Accepted':
        return { outcome: 'Accepted', view };
      case 'AlreadyAccepted':
        return { outcome: 'AlreadyAccepted', view };
      default:
        return { outcome: decided.outcome, view };
    }
  }

  private async recordAcceptance(
    manager: EntityManager,
    row: EnhancedAttestationRow,
    typed: TypedAcceptance,
    context: AcceptanceContext,
    shownTextHash: string,
    now: Date,
  ): Promise<OutboxMessage[]> {
    const acceptedAt = now.toISOString();
    const record: EvidenceRecord = {
      attestationId: row.id,
      acceptedAt,
      clientAddress: String(context.clientAddress ?? '').slice(0, MAX_CONTEXT_LENGTH),
      userAgent: String(context.userAgent ?? '').slice(0, MAX_CONTEXT_LENGTH),
      templateId: row.template_id,
      agreementLink: agreementLinkOf(row),
      language: row.language,
      country: row.country,
      typedFirstName: typed.signatoryFirstName.trim(),
      typedLastName: typed.signatoryLastName.trim(),
      typedEmail: typed.signatoryEmail.trim(),
      shownTextHash,
    };
    const canonical = canonicalJson(record);
    const hash = evidenceHash(canonical);
    await runSql(
      manager,
      sql`INSERT INTO ${table(this.schema, 'enhanced_attestation_evidence')} (attestation_id, accepted_at,
             client_address, user_agent, template_id, agreement_link, language, country, typed_first_name,
             typed_last_name, typed_email, shown_text_hash, record, evidence_hash)
          VALUES (${row.id}, ${acceptedAt}, ${record.clientAddress}, ${record.userAgent}, ${record.templateId},
             ${record.agreementLink}, ${record.language}, ${record.country}, ${record.typedFirstName},
             ${record.typedLastName}, ${record.typedEmail}, ${shownTextHash}, ${canonical}, ${hash})`,
    );
    await runSql(
      manager,
      sql`UPDATE ${table(this.schema, 'enhanced_attestations')} SET status = 'Accepted', accepted_at = ${acceptedAt}
           WHERE id = ${row.id}`,
    );
    const correlationId = randomUUID();
    const data: EnhancedAttestationAcceptedV1 = {
      attestationId: row.id,
      partnerId: row.partner_id,
      customerTenantId: row.customer_tenant_id,
      acceptedAt,
      evidenceHash: hash,
      evidence: {
        templateId: record.templateId,
        agreementLink: record.agreementLink,
        language: record.language,
        country: record.country,
        shownTextHash,
      },
    };
    const envelope = buildEnvelope('EnhancedAttestationAccepted', data, {
      producer: 'attestation',
      correlationId,
    });
    const events: OutboxMessage[] = [
      { topic: Topics.AgreementsAcceptance, key: row.customer_tenant_id, envelope },
    ];
    if (row.auto_finalize) {
      // E-04: finalized on acceptance, as the partner user who started it asked.
      const accepted = { ...row, status: 'Accepted' as const, accepted_at: now };
      const made = await makeAgreement(manager, this.schema, accepted, {
        userId: row.user_id,
        correlationId,
        now,
      });
      events.push(...made.events);
    }
    return events;
  }
}

type Decision =
  | { outcome: 'Accepted' | 'AlreadyAccepted' | 'Expired' | 'Cancelled' | 'Unknown' }
  | { outcome: 'Invalid'; problems: { field: AcceptProblemField; code: string }[] };

const MAX_CONTEXT_LENGTH = 1000;

export function pageViewOf(row: ViewRow, now: Date): AcceptancePageView {
  return {
    attestationId: row.id,
    status: effectiveStatus(row, now),
    companyName: row.company_name,
    signatoryFirstName: row.signatory_first_name,
    signatoryLastName: row.signatory_last_name,
    country: row.country,
    language: row.language,
    templateId: row.template_id,
    agreementLink: agreementLinkOf(row),
    expiresAt: row.expires_at.toISOString(),
    ...(row.accepted_at ? { acceptedAt: row.accepted_at.toISOString() } : {}),
    ...(row.typed_first_name !== null && row.typed_last_name !== null
      ? { acceptedByName: `${row.typed_first_name} ${row.typed_last_name}` }
      : {}),
  };
}
