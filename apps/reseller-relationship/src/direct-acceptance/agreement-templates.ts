import { EntityManager } from 'typeorm';
import { AgreementTemplatePublishedV1, AgreementType } from '@app/contracts';
import { RelationshipErrors } from '../relationship-errors';
import { CustomerProfile } from '../customers/customer-profile';
import { customerAgreementRejection } from './customer-agreement-rules';

export async function findTemplate(
  manager: EntityManager,
  templateId: string,
): Promise<{ agreementType: AgreementType } | undefined> {
  const [row]: Array<{ agreement_type: AgreementType }> = await manager.query(
    `SELECT agreement_type FROM reseller_relationship.agreement_templates WHERE template_id = $1`,
    [templateId],
  );
  return row ? { agreementType: row.agreement_type } : undefined;
}

/** The newest Microsoft Customer Agreement template: what an invitation accepts when it names none. */
export async function latestCustomerAgreementTemplateId(manager: EntityManager): Promise<string> {
  const [row]: Array<{ template_id: string }> = await manager.query(
    `SELECT template_id FROM reseller_relationship.agreement_templates
     WHERE agreement_type = 'MicrosoftCustomerAgreement' ORDER BY version_rank DESC, published_at DESC LIMIT 1`,
  );
  return row.template_id;
}

/**
 * S-05: a template keeps its newest publication (a higher versionRank, then a later publishedAt), so an
 * older publication, replayed or late, never replaces a newer one; a copy changes nothing.
 */
export async function recordTemplate(manager: EntityManager, t: AgreementTemplatePublishedV1): Promise<void> {
  await manager.query(
    `INSERT INTO reseller_relationship.agreement_templates AS t (template_id, agreement_type, version_rank, published_at)
     VALUES ($1, $2, $3, $4)
     ON CONFLICT (template_id) DO UPDATE SET agreement_type = EXCLUDED.agreement_type,
       version_rank = EXCLUDED.version_rank, published_at = EXCLUDED.published_at
       WHERE (t.version_rank, t.published_at) < (EXCLUDED.version_rank, EXCLUDED.published_at)`,
    [t.templateId.toLowerCase(), t.agreementType, t.versionRank, t.publishedAt],
  );
}

/** Throws the caller's error when the customer cannot accept this agreement directly (D-04). */
export async function assertCustomerCanAccept(
  manager: EntityManager,
  customer: CustomerProfile,
  templateId: string,
  dateAgreed: Date,
  now: Date,
): Promise<void> {
  const rejection = customerAgreementRejection(
    { customerCloud: customer.cloud, template: await findTemplate(manager, templateId), dateAgreed },
    now,
  );
  switch (rejection?.kind) {
    case undefined:
      return;
    case 'NationalCloud':
      throw RelationshipErrors.nationalCloudNotSupported(rejection.cloud);
    case 'TemplateNotFound':
      throw RelationshipErrors.templateNotFound();
    case 'NotCustomerAgreement':
      throw RelationshipErrors.directAcceptanceOnlyForCustomerAgreement(rejection.agreementType);
    case 'DateAgreedInFuture':
      throw RelationshipErrors.dateAgreedInFuture();
  }
}
