import { Inject, Injectable } from '@nestjs/common';
import { lockCustomerTenant } from '../customers/customer-tenants';
import { OutboxTransaction } from '../outbox-transaction';
import { RelationshipErrors } from '../relationship-errors';
import { assertCustomerCanAccept } from './agreement-templates';
import { findSameDirectAcceptance, recordCustomerAcceptance } from './customer-acceptances';
import { AcceptAgreementDirectlyDto, CustomerAgreementDto } from './direct-acceptance.dto';
import { SERVICE_SCHEMA } from '@app/messaging';

/**
 * D-04: the customer accepts the Microsoft Customer Agreement itself, without an invitation. It then
 * follows the customer, whichever partners it works with (D-06). Sending the same acceptance again
 * answers the stored one and publishes nothing.
 */
@Injectable()
export class AcceptAgreementDirectlyHandler {
  constructor(
    private readonly outbox: OutboxTransaction,
    @Inject(SERVICE_SCHEMA) private readonly schema: string,
  ) {}

  execute(
    callerTenantId: string,
    customerTenantId: string,
    body: AcceptAgreementDirectlyDto,
    correlationId: string,
    now = new Date(),
  ): Promise<CustomerAgreementDto> {
    if (callerTenantId !== customerTenantId) throw RelationshipErrors.customerTenantMismatch();
    const templateId = body.templateId.toLowerCase();
    const dateAgreed = new Date(body.dateAgreed);
    const schema = this.schema;
    return this.outbox.run(async (manager) => {
      const customer = await lockCustomerTenant(manager, schema, customerTenantId, body, { via: 'direct' });
      await assertCustomerCanAccept(manager, schema, customer, templateId, dateAgreed, now);
      const candidate = { customerTenantId, templateId, dateAgreed, signer: body.signer };
      const existing = await findSameDirectAcceptance(manager, schema, candidate);
      if (existing) return { result: existing, events: [] };
      const { acceptance, event } = await recordCustomerAcceptance(manager, schema, candidate, correlationId);
      return { result: acceptance, events: [event] };
    });
  }
}
