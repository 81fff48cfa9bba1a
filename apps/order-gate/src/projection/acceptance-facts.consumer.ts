import { Injectable, OnModuleInit } from '@nestjs/common';
import { AgreementAttestedV1, EventEnvelope, Topics } from '@app/contracts';
import { Messaging } from '@app/messaging';
import { applyAgreementAttested } from './acceptance-projection';

export const ACCEPTANCE_FACTS_CONSUMER = 'acceptance-facts';

/** Keeps the projection current from `agreements.acceptance`, recording its position for G-11. */
@Injectable()
export class AcceptanceFactsConsumer implements OnModuleInit {
  constructor(private readonly messaging: Messaging) {}

  onModuleInit(): void {
    this.messaging.registerConsumer({
      name: ACCEPTANCE_FACTS_CONSUMER,
      mode: 'validated',
      topics: [Topics.AgreementsAcceptance],
      trackPositions: true,
      handle: async ({ envelope }, manager) => {
        if (envelope.eventType === 'AgreementAttested') {
          await applyAgreementAttested(manager, envelope as EventEnvelope<AgreementAttestedV1>);
        }
      },
    });
  }
}
