import { EntityManager } from 'typeorm';
import { AgreementTemplatePublishedV1, AgreementType } from '@app/contracts';
import { runSql, sql, table } from '@app/messaging';
import { RelationshipErrors } from '../relationship-errors';
import { CustomerProfile } from '../customers/customer-profile';
import { customerAgreementRejection } from './customer-agreement-rules';

export async function findTemplate(
  manager: EntityManager,
  schema: string,
  templateId: string,
): Promise<{ agreementType: AgreementType } | undefined> {
  const [row]: Array<{ agreement_type: AgreementType }> = await runSql(
    manager,
    sql`SELECT agreement_type FROM ${table(schema, 'agreement_templates')} WHERE template_id = ${templateId}`,
  );
  return row ? { agreementType: row.agreement_type } : undefined;
}

/** The newest Microsoft Customer Agreement template: what an invitation accepts when it names none. */
export async function latestCustomerAgreementTemplateId(
  manager: EntityManager,
  schema: string,
): Promise<string> {
  const [row]: Array<{ template_id: string }> = await runSql(
    manager,
    sql`SELECT template_id FROM ${table(schema, 'agreement_templates')}
        WHERE agreement_type = 'MicrosoftCustomerAgreement' ORDER BY version_rank DESC, published_at DESC LIMIT 1`,
  );
  return row.template_id;
}

/**
 * S-05: a template keeps its newest publication (a higher versionRank, then a later publishedAt), so an
 * older publication, replayed or late, never replaces a newer one; a copy changes nothing.
 */
export async function recordTemplate(
  manager: EntityManager,
  schema: string,
  t: AgreementTemplatePublishedV1,
): Promise<void> {
  await runSql(
    manager,
    sql`INSERT INTO ${table(schema, 'agreement_templates')} AS t
          (template_id, agreement_type, version_rank, published_at)
        VALUES (${t.templateId.toLowerCase()}, ${t.agreementType}, ${t.versionRank}, ${t.publishedAt})
        ON CONFLICT (template_id) DO UPDATE SET agreement_type = EXCLUDED.agreement_type,
          version_rank = EXCLUDED.version_rank, published_at = EXCLUDED.published_at
          WHERE (t.version_rank, t.published_at) < (EXCLUDED.version_rank, EXCLUDED.published_at)`,
  );
}

/** Throws the caller's error when the customer cannot accept this agreement directly (D-04). */
export async function assertCustomerCanAccept(
  manager: EntityManager,
  schema: string,
  customer: CustomerProfile,
  templateId: string,
  dateAgreed: Date,
  now: Date,
): Promise<void> {
  const rejection = customerAgreementRejection(
    { customerCloud: customer.cloud, template: await findTemplate(manager, schema, templateId), dateAgreed },
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
