import { AgreementType } from '@app/contracts';
import { AttestationSettings } from '../config';
import { AttestationErrors, refusalError } from '../attest/attestation-errors';
import { AttestationRequest, judgeAttestation, mayBeLag } from '../attest/attestation-rules';
import { AttestationFactsReader } from '../relationships/attestation-facts';

/**
 * E-01, E-04: who may open or finalize an enhanced attestation, by the legacy attestation's rules (A-06, A-07,
 * A-17; A-04 for the template), catching up on `partners.relationships` before refusing for lack of a partner,
 * customer or relationship, and answering 503 rather than refusing when it cannot catch up in time.
 */
export async function assertMayAttest(
  facts: AttestationFactsReader,
  settings: AttestationSettings,
  ask: { templateId: string; type: AgreementType; partnerId: string; customerTenantId: string; now: Date },
): Promise<void> {
  const { templateId, partnerId, customerTenantId, now } = ask;
  const request: AttestationRequest = {
    type: ask.type,
    dateAgreed: now,
    now,
    requireRelationship: settings.requireRelationship,
  };
  let refusal = judgeAttestation(request, await facts.read(templateId, partnerId, customerTenantId));
  if (mayBeLag(refusal)) {
    const waitMs = settings.relationshipCatchUpMs;
    const caughtUp = await facts.catchUp(partnerId, customerTenantId, waitMs);
    refusal = judgeAttestation(request, await facts.read(templateId, partnerId, customerTenantId));
    if (!caughtUp && mayBeLag(refusal))
      throw AttestationErrors.relationshipFactsPending(Math.max(1, Math.ceil(waitMs / 1000)));
  }
  if (refusal) throw refusalError(refusal);
}
