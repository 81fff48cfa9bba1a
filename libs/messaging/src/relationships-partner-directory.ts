import { Logger } from '@nestjs/common';
import { Topics } from '@app/contracts';
import { CatchingUpPartnerDirectory, PARTNER_CATCH_UP_MS } from '@app/platform';
import { endOffsetsOfKeys } from './key-partition';
import { CatchUp } from './catch-up';

/**
 * S-03 for a service that keeps its own copy of `partners.relationships` (PartnerRegistered): a
 * partner not found in the copy is looked up again once the service's consumer `consumer` (with
 * `trackPositions`) has applied everything the partner's partition of the topic held when the request came, as for A-17.
 */
export abstract class RelationshipsPartnerDirectory extends CatchingUpPartnerDirectory {
  private readonly logger = new Logger(RelationshipsPartnerDirectory.name);

  protected constructor(
    private readonly catchUpCheck: CatchUp,
    private readonly consumer: string,
    private readonly timeoutMs = PARTNER_CATCH_UP_MS,
  ) {
    super();
  }

  /** A registration is keyed by the partner's id (docs/contract.md): only its partition is waited for. */
  protected async catchUp(partnerId: string): Promise<boolean> {
    const topic = Topics.PartnersRelationships;
    const ends = await this.catchUpCheck.topicEnds([topic]);
    const targets = endOffsetsOfKeys(ends, topic, [partnerId]);
    const result = await this.catchUpCheck.waitFor(this.consumer, targets, this.timeoutMs);
    if (!result.caughtUp) {
      this.logger.warn(
        `partners.relationships not caught up after ${result.waitedMs} ms: partner registration unsure`,
      );
    }
    return result.caughtUp;
  }
}
