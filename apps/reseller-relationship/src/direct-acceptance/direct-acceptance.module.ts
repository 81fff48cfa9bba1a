import { Module } from '@nestjs/common';
import { OutboxTransaction } from '../outbox-transaction';
import { AcceptAgreementDirectlyHandler } from './accept-agreement-directly.handler';
import { AgreementTemplatesConsumer } from './agreement-templates.consumer';
import { DirectAcceptanceController } from './direct-acceptance.controller';
import { DirectSignedStatusHandler } from './direct-signed-status.handler';

/** The customer's own acceptance of the Microsoft Customer Agreement (D-04) and its status (D-05). */
@Module({
  controllers: [DirectAcceptanceController],
  providers: [
    OutboxTransaction,
    AcceptAgreementDirectlyHandler,
    DirectSignedStatusHandler,
    AgreementTemplatesConsumer,
  ],
})
export class DirectAcceptanceModule {}
