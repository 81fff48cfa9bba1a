import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { EnhancedAttestationStatus } from '@app/contracts';
import { runSql, SERVICE_SCHEMA, sql, table } from '@app/messaging';
import { acceptanceTokenHash } from './acceptance-token';
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

  /** E-03: accepts the link once (see AcceptOutcome). Not implemented in this skeleton yet. */
  async accept(token: string, typed: TypedAcceptance, context: AcceptanceContext): Promise<AcceptOutcome> {
    void typed;
    void context;
    const view = await this.viewByToken(token);
    if (!view) return { outcome: 'Unknown' };
    throw new Error('EnhancedAttestationsService.accept is not implemented yet');
  }
}

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
