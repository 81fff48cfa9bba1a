import { OrderRequestedV1 } from '@app/contracts';
import { EnhancedAttestationView } from '../projection/read-model';
import type { Decision } from './decide';

/**
 * G-15: what a block of the pair says of its latest enhanced attestation. A pending one, not past its expiry at the
 * order's requestedAt, is named (`pendingAttestation`) with the link the customer's signatory must accept at; an
 * accepted one not yet finalized is pointed at finalizing. Anything else (cancelled, expired, finalized) adds
 * nothing. Pure, like `decide`.
 */
export function withEnhancedAttestation(
  judged: Decision,
  enhanced: EnhancedAttestationView | null | undefined,
  order: OrderRequestedV1,
): Decision {
  if (judged.outcome !== 'Blocked' || !enhanced) return judged;
  const finalize =
    `finalize it (POST /v1/customers/${order.customerTenantId}/agreements with attestationId ` +
    `${enhanced.attestationId}, unless it was started with autoFinalize) and place the order again.`;
  if (enhanced.status === 'Pending' && Date.parse(enhanced.expiresAt) > Date.parse(order.requestedAt)) {
    return {
      ...judged,
      message:
        `${judged.message} Enhanced attestation ${enhanced.attestationId} is pending (G-15): the customer's ` +
        `signatory must accept the agreement at ${enhanced.acceptanceUrl} before ${enhanced.expiresAt}; then ${finalize}`,
      pendingAttestation: {
        attestationId: enhanced.attestationId,
        status: enhanced.status,
        acceptanceUrl: enhanced.acceptanceUrl,
        expiresAt: enhanced.expiresAt,
      },
    };
  }
  if (enhanced.status === 'Accepted') {
    return {
      ...judged,
      message: `${judged.message} The customer accepted enhanced attestation ${enhanced.attestationId}: ${finalize}`,
    };
  }
  return judged;
}
