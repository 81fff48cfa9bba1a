import { Inject, Injectable } from '@nestjs/common';
import { RelationshipConfig } from '../config';
import {
  InvitationClaims,
  signInvitationToken,
  TokenVerification,
  verifyInvitationToken,
} from './invitation-token';

export const RELATIONSHIP_CONFIG = Symbol('RELATIONSHIP_CONFIG');

/** The service's invitation key and URL, around the pure token functions. */
@Injectable()
export class InvitationTokens {
  constructor(@Inject(RELATIONSHIP_CONFIG) private readonly config: RelationshipConfig) {}

  get ttlMs(): number {
    return this.config.invitationTtlMs;
  }

  sign(claims: InvitationClaims): string {
    return signInvitationToken(this.config.invitationSigningKey, claims);
  }

  verify(token: string, now: Date): TokenVerification {
    return verifyInvitationToken(this.config.invitationSigningKey, token, now);
  }

  urlFor(token: string): string {
    return `${this.config.invitationBaseUrl}/${token}`;
  }
}
