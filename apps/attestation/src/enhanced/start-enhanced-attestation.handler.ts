import { Inject, Injectable } from '@nestjs/common';
import { randomUUID } from 'crypto';
import { DataSource } from 'typeorm';
import { AgreementType, buildEnvelope, EnhancedAttestationStartedV1, Topics } from '@app/contracts';
import { runSql, SERVICE_SCHEMA, sql, table } from '@app/messaging';
import { ATTESTATION_SETTINGS, AttestationSettings } from '../config';
import { HttpAnswer, IdempotentRequests, requestFingerprint } from '../idempotency/idempotent-requests';
import { AttestationFactsReader } from '../relationships/attestation-facts';
import { normaliseLanguage } from '../templates/template-document';
import { acceptanceTokenHash, acceptanceUrl, newAcceptanceToken } from './acceptance-token';
import {
  MAX_LIFETIME_MINUTES,
  StartEnhancedAttestationDto,
  StartedEnhancedAttestationDto,
} from './enhanced-attestation.dto';
import { EnhancedErrors } from './enhanced-errors';
import { assertMayAttest } from './enhanced-judgement';

export interface StartCommand {
  partnerId: string;
  userId: string;
  correlationId: string;
  requestId?: string;
  body: StartEnhancedAttestationDto;
}

/**
 * E-01: opens an enhanced attestation for a customer under the current Customer Agreement template, with an
 * unguessable acceptance link (only its SHA-256 is looked up), and emits EnhancedAttestationStarted in the same
 * transaction (E-07). Nobody is sent anything (E-06): the link is the partner's to share.
 */
@Injectable()
export class StartEnhancedAttestationHandler {
  constructor(
    private readonly dataSource: DataSource,
    private readonly facts: AttestationFactsReader,
    private readonly requests: IdempotentRequests,
    @Inject(ATTESTATION_SETTINGS) private readonly settings: AttestationSettings,
    @Inject(SERVICE_SCHEMA) private readonly schema: string,
  ) {}

  async execute(cmd: StartCommand, now = new Date()): Promise<HttpAnswer> {
    const { body, partnerId } = cmd;
    const customerTenantId = body.customerTenantId.toLowerCase();
    const country = body.country.toUpperCase();
    const language = normaliseLanguage(body.language) ?? body.language;
    const lifetimeMinutes = body.expiresInMinutes ?? MAX_LIFETIME_MINUTES;
    const autoFinalize = body.autoFinalize ?? false;
    const signatory = {
      firstName: body.signatoryFirstName,
      lastName: body.signatoryLastName,
      email: body.signatoryEmail,
      phoneNumber: body.signatoryPhoneNumber ?? null,
    };
    const key = {
      partnerId,
      requestId: cmd.requestId,
      fingerprint: requestFingerprint(
        'enhanced-start',
        customerTenantId,
        country,
        language,
        body.companyName,
        signatory,
        lifetimeMinutes,
        autoFinalize,
      ),
    };
    const replayed = await this.requests.replay(key);
    if (replayed) return replayed;

    const template = await this.currentTemplate(now);
    await assertMayAttest(this.facts, this.settings, {
      templateId: template,
      type: AgreementType.MicrosoftCustomerAgreement,
      partnerId,
      customerTenantId,
      now,
    });

    return this.requests.run(key, async (manager) => {
      const id = randomUUID();
      const token = newAcceptanceToken();
      const url = acceptanceUrl(this.settings.publicBaseUrl, token);
      const expiresAt = new Date(now.getTime() + lifetimeMinutes * 60_000).toISOString();
      const data: EnhancedAttestationStartedV1 = {
        attestationId: id,
        partnerId,
        customerTenantId,
        templateId: template,
        country,
        language,
        expiresAt,
        acceptanceUrl: url,
        userId: cmd.userId,
        autoFinalize,
      };
      const envelope = buildEnvelope('EnhancedAttestationStarted', data, {
        producer: 'attestation',
        correlationId: cmd.correlationId,
      });
      await runSql(
        manager,
        sql`INSERT INTO ${table(this.schema, 'enhanced_attestations')} (id, partner_id, customer_tenant_id, user_id,
               template_id, country, language, company_name, signatory_first_name, signatory_last_name,
               signatory_email, signatory_phone_number, token_hash, acceptance_url, auto_finalize, status,
               expires_at, created_at)
            VALUES (${id}, ${partnerId}, ${customerTenantId}, ${cmd.userId}, ${template}, ${country}, ${language},
               ${body.companyName}, ${signatory.firstName}, ${signatory.lastName}, ${signatory.email},
               ${signatory.phoneNumber}, ${acceptanceTokenHash(token)}, ${url}, ${autoFinalize}, 'Pending',
               ${expiresAt}, ${now.toISOString()})`,
      );
      const response: StartedEnhancedAttestationDto = {
        attestationId: id,
        customerTenantId,
        status: 'Pending',
        acceptanceUrl: url,
        expiresAt,
        templateId: template,
      };
      const events = [{ topic: Topics.AgreementsAcceptance, key: customerTenantId, envelope }];
      return { status: 201, body: JSON.stringify(response), events };
    });
  }

  /** The Customer Agreement template in force: the highest rank, not retired. */
  private async currentTemplate(now: Date): Promise<string> {
    const [row]: Array<{ template_id: string }> = await runSql(
      this.dataSource,
      sql`SELECT template_id FROM ${table(this.schema, 'templates')}
           WHERE agreement_type = ${AgreementType.MicrosoftCustomerAgreement}
             AND (retired_from IS NULL OR retired_from > ${now.toISOString()})
           ORDER BY version_rank DESC LIMIT 1`,
    );
    if (!row) throw EnhancedErrors.noCurrentTemplate();
    return row.template_id;
  }
}
