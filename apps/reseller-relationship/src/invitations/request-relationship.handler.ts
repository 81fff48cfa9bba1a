import { Inject, Injectable } from '@nestjs/common';
import { randomUUID } from 'crypto';
import { runSql, SERVICE_SCHEMA, sql, table } from '@app/messaging';
import { OutboxTransaction, outboxEvent } from '../outbox-transaction';
import { InvitationTokens } from './invitation-tokens';
import { RelationshipRequestDto } from './invitations.dto';

/**
 * D-02: a new invitation for the calling partner. Only its id is stored (and published), never its
 * token; nothing is sent to anyone: the partner sends the URL by its own means.
 */
@Injectable()
export class RequestRelationshipHandler {
  constructor(
    private readonly outbox: OutboxTransaction,
    private readonly tokens: InvitationTokens,
    @Inject(SERVICE_SCHEMA) private readonly schema: string,
  ) {}

  execute(partnerId: string, correlationId: string, now = new Date()): Promise<RelationshipRequestDto> {
    const invitationId = randomUUID();
    // Whole seconds, as the token carries them: the row, the event and the token agree.
    const expiresAt = new Date(Math.floor((now.getTime() + this.tokens.ttlMs) / 1000) * 1000);
    const token = this.tokens.sign({ invitationId, partnerId, expiresAt });
    return this.outbox.run(async (manager) => {
      await runSql(
        manager,
        sql`INSERT INTO ${table(this.schema, 'invitations')} (id, partner_id, expires_at)
            VALUES (${invitationId}, ${partnerId}, ${expiresAt})`,
      );
      const data = { invitationId, partnerId, expiresAt: expiresAt.toISOString() };
      return {
        result: {
          url: this.tokens.urlFor(token),
          token,
          expiresAt: data.expiresAt,
          invitationId,
          attributes: { objectType: 'RelationshipRequest' },
        },
        // Keyed by the partner id: the customer is not known until it accepts.
        events: [outboxEvent('ResellerRelationshipRequested', data, partnerId, correlationId)],
      };
    });
  }
}
