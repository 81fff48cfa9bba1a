import { Logger } from '@nestjs/common';
import { Topics } from '@app/contracts';
import { CatchingUpPartnerDirectory, PARTNER_CATCH_UP_MS } from '@app/platform';
import { Messaging } from './messaging.service';

/**
 * S-03 for a service that keeps its own copy of `partners.relationships` (PartnerRegistered): a
 * partner not found in the copy is looked up again once the service's consumer `consumer` (with
 * `trackPositions`) has applied everything the topic held when the request came, as for A-17.
 */
export abstract class RelationshipsPartnerDirectory extends CatchingUpPartnerDirectory {
  private readonly logger = new Logger(RelationshipsPartnerDirectory.name);

  protected constructor(
    protected readonly messaging: Messaging,
    private readonly consumer: string,
    private readonly timeoutMs = PARTNER_CATCH_UP_MS,
  ) {
    super();
  }

  protected async catchUp(): Promise<boolean> {
    const targets = await this.messaging.catchUp.endOffsets([Topics.PartnersRelationships]);
    const result = await this.messaging.catchUp.waitFor(
      this.consumer,
      this.messaging.groupIdFor(this.consumer),
      targets,
      this.timeoutMs,
    );
    if (!result.caughtUp) {
      this.logger.warn(
        `partners.relationships not caught up after ${result.waitedMs} ms: partner registration unsure`,
      );
    }
    return result.caughtUp;
  }
}
