import { Inject, Injectable, OnModuleInit } from '@nestjs/common';
import { AgreementTemplatePublishedV1, Topics } from '@app/contracts';
import { ConsumerRegistry, SERVICE_SCHEMA } from '@app/messaging';
import { recordTemplate } from './agreement-templates';

/** Learns newly published templates from `agreements.templates`, so a new MCA version can be accepted. */
@Injectable()
export class AgreementTemplatesConsumer implements OnModuleInit {
  constructor(
    private readonly consumers: ConsumerRegistry,
    @Inject(SERVICE_SCHEMA) private readonly schema: string,
  ) {}

  onModuleInit(): void {
    this.consumers.register({
      name: 'agreement-templates',
      input: 'validated',
      topics: [Topics.AgreementsTemplates],
      delivery: { kind: 'one-by-one' },
      handle: async ({ envelope }, manager) => {
        if (envelope.eventType === 'AgreementTemplatePublished') {
          await recordTemplate(manager, this.schema, envelope.data as AgreementTemplatePublishedV1);
        }
      },
    });
  }
}
