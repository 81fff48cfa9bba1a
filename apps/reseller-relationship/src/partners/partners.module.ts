import { Module } from '@nestjs/common';
import { OutboxTransaction } from '../outbox-transaction';
import { LinkIndirectResellerHandler } from './link-indirect-reseller.handler';
import { PartnersController } from './partners.controller';
import { RegisterPartnerHandler } from './register-partner.handler';

/** The partner registry and indirect provider–reseller links (D-07). */
@Module({
  controllers: [PartnersController],
  providers: [OutboxTransaction, RegisterPartnerHandler, LinkIndirectResellerHandler],
})
export class PartnersModule {}
