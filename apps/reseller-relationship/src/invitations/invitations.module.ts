import { DynamicModule, Module } from '@nestjs/common';
import { RelationshipConfig } from '../config';
import { OutboxTransaction } from '../outbox-transaction';
import { AcceptInvitationHandler } from './accept-invitation.handler';
import { InvitationTokens, RELATIONSHIP_CONFIG } from './invitation-tokens';
import { InvitationsController } from './invitations.controller';
import { RequestRelationshipHandler } from './request-relationship.handler';

/** Relationship invitations: issued to a partner (D-02), accepted by a customer (D-03). */
@Module({})
export class InvitationsModule {
  static forRoot(config: RelationshipConfig): DynamicModule {
    return {
      module: InvitationsModule,
      controllers: [InvitationsController],
      providers: [
        { provide: RELATIONSHIP_CONFIG, useValue: config },
        InvitationTokens,
        OutboxTransaction,
        RequestRelationshipHandler,
        AcceptInvitationHandler,
      ],
      exports: [InvitationTokens],
    };
  }
}
