import { Inject, Injectable } from '@nestjs/common';
import { randomUUID } from 'crypto';
import { AgreementTemplatePublishedV1, buildEnvelope, Topics } from '@app/contracts';
import { runSql, SERVICE_SCHEMA, sql, table } from '@app/messaging';
import { AttestationErrors } from '../attest/attestation-errors';
import { HttpAnswer, IdempotentRequests, requestFingerprint } from '../idempotency/idempotent-requests';
import { PublishTemplateDto, TemplateDto } from './template.dto';

export interface TemplateRow {
  template_id: string;
  agreement_type: TemplateDto['agreementType'];
  version_rank: number;
  agreement_link: string;
  published_at: Date;
  retired_from: Date | null;
}

export function toTemplateDto(row: TemplateRow): TemplateDto {
  return {
    templateId: row.template_id,
    agreementType: row.agreement_type,
    agreementLink: row.agreement_link,
    versionRank: row.version_rank,
    publishedAt: row.published_at.toISOString(),
    ...(row.retired_from ? { retiredFrom: row.retired_from.toISOString() } : {}),
  };
}

export interface PublishCommand {
  adminTenantId: string;
  correlationId: string;
  requestId?: string;
  body: PublishTemplateDto;
}

/**
 * Publishes a template version and its AgreementTemplatePublished event on `agreements.templates`.
 * Publishing the same template again answers 200 with it and publishes nothing; a different template
 * under a taken id, or a taken (type, versionRank), is a 409.
 */
@Injectable()
export class PublishTemplateHandler {
  constructor(
    private readonly requests: IdempotentRequests,
    @Inject(SERVICE_SCHEMA) private readonly schema: string,
  ) {}

  async execute(cmd: PublishCommand): Promise<HttpAnswer> {
    const { body } = cmd;
    const templateId = body.templateId?.toLowerCase() ?? randomUUID();
    const key = {
      partnerId: cmd.adminTenantId,
      requestId: cmd.requestId,
      fingerprint: requestFingerprint(
        'publish',
        body.templateId ?? null,
        body.agreementType,
        body.versionRank,
        body.agreementLink,
      ),
    };
    const replayed = await this.requests.replay(key);
    if (replayed) return replayed;

    const templates = table(this.schema, 'templates');
    return this.requests.run(key, async (manager) => {
      await runSql(manager, sql`LOCK TABLE ${templates} IN SHARE ROW EXCLUSIVE MODE`);
      const [existing]: TemplateRow[] = await runSql(
        manager,
        sql`SELECT * FROM ${templates} WHERE template_id = ${templateId}`,
      );
      if (existing) {
        const same =
          existing.agreement_type === body.agreementType &&
          existing.version_rank === body.versionRank &&
          existing.agreement_link === body.agreementLink;
        if (!same) throw AttestationErrors.templateAlreadyPublished();
        return { status: 200, body: JSON.stringify(toTemplateDto(existing)), events: [] };
      }
      const taken: unknown[] = await runSql(
        manager,
        sql`SELECT 1 FROM ${templates} WHERE agreement_type = ${body.agreementType} AND version_rank = ${body.versionRank}`,
      );
      if (taken.length > 0) throw AttestationErrors.versionRankTaken();

      const publishedAt = new Date();
      const [row]: TemplateRow[] = await runSql(
        manager,
        sql`INSERT INTO ${templates} (template_id, agreement_type, version_rank, agreement_link, published_at)
            VALUES (${templateId}, ${body.agreementType}, ${body.versionRank}, ${body.agreementLink}, ${publishedAt})
            RETURNING *`,
      );
      const data: AgreementTemplatePublishedV1 = {
        templateId,
        agreementType: body.agreementType,
        versionRank: body.versionRank,
        agreementLink: body.agreementLink,
        publishedAt: publishedAt.toISOString(),
      };
      const envelope = buildEnvelope('AgreementTemplatePublished', data, {
        producer: 'attestation',
        correlationId: cmd.correlationId,
      });
      // A template concerns no customer: keyed by its own id.
      const events = [{ topic: Topics.AgreementsTemplates, key: templateId, envelope }];
      return { status: 201, body: JSON.stringify(toTemplateDto(row)), events };
    });
  }
}
