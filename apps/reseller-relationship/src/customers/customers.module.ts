import { Module } from '@nestjs/common';
import { OutboxTransaction } from '../outbox-transaction';
import { CreateCustomerHandler } from './create-customer.handler';
import { CustomersController } from './customers.controller';
import { TerminateRelationshipHandler } from './terminate-relationship.handler';

/** Customer tenants created by partners (D-01) and the end of a relationship (D-08). */
@Module({
  controllers: [CustomersController],
  providers: [OutboxTransaction, CreateCustomerHandler, TerminateRelationshipHandler],
})
export class CustomersModule {}
