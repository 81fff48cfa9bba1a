import { Inject, Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { Cloud } from '@app/contracts';
import { OutboxMessage, runSql, SERVICE_SCHEMA, sql, table } from '@app/messaging';
import { lockCustomerTenant, partnerCloud } from '../customers/customer-tenants';
import {
  assertCustomerCanAccept,
  latestCustomerAgreementTemplateId,
} from '../direct-acceptance/agreement-templates';
import { findAcceptance, recordCustomerAcceptance } from '../direct-acceptance/customer-acceptances';
import { CustomerAgreementDto } from '../direct-acceptance/direct-acceptance.dto';
import { OutboxTransaction, outboxEvent } from '../outbox-transaction';
import { RelationshipErrors } from '../relationship-errors';
import { InvitationClaims } from './invitation-token';
import { InvitationTokens } from './invitation-tokens';
import { AcceptInvitationDto, InvitationAcceptanceDto } from './invitations.dto';

interface InvitationRow {
  id: string;
  partner_id: string;
  expires_at: Date;
  accepted_by_customer_tenant_id: string | null;
  accepted_at: Date | null;
  customer_acceptance_id: string | null;
}

/**
 * D-03: the customer accepts a partner's invitation, which establishes (or re-establishes) their
 * relationship, and may accept the Microsoft Customer Agreement in the same step. A tenant known here
 * keeps its cloud; a new one takes the inviting partner's registered cloud (S-01), and the
 * ResellerRelationshipAccepted event carries the cloud so decided. A forged, expired or
 * used token is refused and changes nothing. The token is single use: the same customer accepting it
 * again gets the first answer and nothing is published twice; any other customer is refused.
 */
@Injectable()
export class AcceptInvitationHandler {
  constructor(
    private readonly outbox: OutboxTransaction,
    private readonly tokens: InvitationTokens,
    @Inject(SERVICE_SCHEMA) private readonly schema: string,
  ) {}

  execute(
    customerTenantId: string,
    token: string,
    body: AcceptInvitationDto,
    correlationId: string,
    now = new Date(),
  ): Promise<InvitationAcceptanceDto> {
    const claims = this.verified(token, now);
    const schema = this.schema;
    const invitations = table(schema, 'invitations');
    return this.outbox.run(async (manager) => {
      const [invitation]: InvitationRow[] = await runSql(
        manager,
        sql`SELECT * FROM ${invitations}
            WHERE id = ${claims.invitationId} AND partner_id = ${claims.partnerId} FOR UPDATE`,
      );
      if (!invitation) throw RelationshipErrors.invitationNotFound();
      if (invitation.accepted_by_customer_tenant_id !== null) {
        if (invitation.accepted_by_customer_tenant_id !== customerTenantId)
          throw RelationshipErrors.invitationAlreadyUsed();
        return { result: await this.earlierAnswer(manager, invitation), events: [] };
      }

      const customer = await lockCustomerTenant(manager, schema, customerTenantId, body, {
        via: 'invitation',
        partnerCloud: await partnerCloud(manager, schema, invitation.partner_id),
      });
      const events: OutboxMessage[] = [];
      const acceptedAt = now.toISOString();
      const accepted = {
        invitationId: invitation.id,
        partnerId: invitation.partner_id,
        customerTenantId,
        acceptedAt,
        cloud: customer.cloud,
        country: customer.country,
      };
      events.push(outboxEvent('ResellerRelationshipAccepted', accepted, customerTenantId, correlationId));

      let customerAgreement: CustomerAgreementDto | undefined;
      if (body.acceptCustomerAgreement) {
        const templateId =
          body.templateId?.toLowerCase() ?? (await latestCustomerAgreementTemplateId(manager, schema));
        await assertCustomerCanAccept(manager, schema, customer, templateId, now, now);
        const recorded = await recordCustomerAcceptance(
          manager,
          schema,
          {
            customerTenantId,
            templateId,
            dateAgreed: now,
            signer: body.signer!,
            viaPartnerId: invitation.partner_id,
          },
          correlationId,
        );
        customerAgreement = recorded.acceptance;
        events.push(recorded.event);
      }

      await runSql(
        manager,
        sql`INSERT INTO ${table(schema, 'relationships')} AS r
              (partner_id, customer_tenant_id, status, origin, invitation_id, established_at)
            VALUES (${invitation.partner_id}, ${customerTenantId}, 'Active', 'InvitationAccepted', ${invitation.id},
                    ${acceptedAt})
            ON CONFLICT (partner_id, customer_tenant_id) DO UPDATE SET
              status = 'Active', invitation_id = EXCLUDED.invitation_id,
              established_at = CASE WHEN r.status = 'Active' THEN r.established_at ELSE EXCLUDED.established_at END,
              terminated_at = NULL, termination_reason = NULL`,
      );
      await runSql(
        manager,
        sql`UPDATE ${invitations}
            SET accepted_by_customer_tenant_id = ${customerTenantId}, accepted_at = ${acceptedAt},
                customer_acceptance_id = ${customerAgreement?.id ?? null}
            WHERE id = ${invitation.id}`,
      );
      return { result: { ...accepted, ...(customerAgreement ? { customerAgreement } : {}) }, events };
    });
  }

  private verified(token: string, now: Date): InvitationClaims {
    const verification = this.tokens.verify(token, now);
    if (verification.ok) return verification.claims;
    if (verification.reason === 'expired')
      throw RelationshipErrors.invitationExpired(verification.claims!.expiresAt);
    throw RelationshipErrors.invitationTokenInvalid();
  }

  private async earlierAnswer(
    manager: EntityManager,
    invitation: InvitationRow,
  ): Promise<InvitationAcceptanceDto> {
    const customerTenantId = invitation.accepted_by_customer_tenant_id!;
    const [customer]: Array<{ cloud: Cloud; country: string }> = await runSql(
      manager,
      sql`SELECT cloud, country FROM ${table(this.schema, 'customers')} WHERE id = ${customerTenantId}`,
    );
    const customerAgreement = invitation.customer_acceptance_id
      ? await findAcceptance(manager, this.schema, invitation.customer_acceptance_id)
      : undefined;
    return {
      invitationId: invitation.id,
      partnerId: invitation.partner_id,
      customerTenantId,
      acceptedAt: invitation.accepted_at!.toISOString(),
      cloud: customer.cloud,
      country: customer.country,
      ...(customerAgreement ? { customerAgreement } : {}),
    };
  }
}
