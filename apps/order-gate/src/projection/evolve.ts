import { AgreementType, KnownEventEnvelope } from '@app/contracts';

/** One change to the projection: what `evolve` decides, which `applyWrites` turns into SQL. */
export type ProjectionWrite =
  | {
      kind: 'attestation';
      partnerId: string;
      customerTenantId: string;
      agreementType: AgreementType;
      templateId: string;
      dateAgreed: string;
      eventId: string;
    }
  | {
      kind: 'withdrawal';
      partnerId: string;
      customerTenantId: string;
      agreementType: AgreementType;
      withdrawnAt: string;
      eventId: string;
    }
  | {
      kind: 'directAcceptance';
      customerTenantId: string;
      agreementType: AgreementType;
      templateId: string;
      dateAgreed: string;
      eventId: string;
    }
  | { kind: 'customer'; customerTenantId: string; cloud: string; country: string }
  | { kind: 'partner'; partnerId: string; partnerType: string; cloud: string }
  | {
      kind: 'relationship';
      partnerId: string;
      customerTenantId: string;
      active: boolean;
      changedAt: string;
      eventId: string;
    }
  | { kind: 'resellerLink'; providerPartnerId: string; resellerPartnerId: string; linkedAt: string }
  | {
      kind: 'template';
      templateId: string;
      agreementType: AgreementType;
      versionRank: number;
      agreementLink: string;
      publishedAt: string;
    };

/**
 * The projection's evolve: what one fact changes, as data. Pure; events of one customer arrive in
 * order (they share a key), so the latest event about a row wins (A-08: a newer attestation supersedes).
 */
export function evolve(event: KnownEventEnvelope): ProjectionWrite[] {
  const eventId = event.eventId;
  switch (event.eventType) {
    case 'AgreementAttested': {
      const d = event.data;
      return [
        {
          kind: 'attestation',
          partnerId: d.partnerId,
          customerTenantId: d.customerTenantId,
          agreementType: d.agreementType,
          templateId: d.templateId,
          dateAgreed: d.dateAgreed,
          eventId,
        },
      ];
    }
    case 'AgreementAttestationWithdrawn': {
      const d = event.data;
      return [
        {
          kind: 'withdrawal',
          partnerId: d.partnerId,
          customerTenantId: d.customerTenantId,
          agreementType: d.agreementType,
          withdrawnAt: d.withdrawnAt,
          eventId,
        },
      ];
    }
    case 'CustomerAgreementAccepted': {
      const d = event.data;
      const writes: ProjectionWrite[] = [
        {
          kind: 'directAcceptance',
          customerTenantId: d.customerTenantId,
          agreementType: d.agreementType,
          templateId: d.templateId,
          dateAgreed: d.dateAgreed,
          eventId,
        },
      ];
      return writes;
    }
    case 'AgreementTemplatePublished': {
      const d = event.data;
      return [
        {
          kind: 'template',
          templateId: d.templateId,
          agreementType: d.agreementType,
          versionRank: d.versionRank,
          agreementLink: d.agreementLink,
          publishedAt: d.publishedAt,
        },
      ];
    }
    case 'PartnerRegistered': {
      const d = event.data;
      return [{ kind: 'partner', partnerId: d.partnerId, partnerType: d.partnerType, cloud: d.cloud }];
    }
    case 'CustomerTenantCreated': {
      const d = event.data;
      return [
        { kind: 'customer', customerTenantId: d.customerTenantId, cloud: d.cloud, country: d.country },
        {
          kind: 'relationship',
          partnerId: d.partnerId,
          customerTenantId: d.customerTenantId,
          active: true,
          changedAt: event.occurredAt,
          eventId,
        },
      ];
    }
    case 'ResellerRelationshipAccepted': {
      const d = event.data;
      return [
        { kind: 'customer', customerTenantId: d.customerTenantId, cloud: d.cloud, country: d.country },
        {
          kind: 'relationship',
          partnerId: d.partnerId,
          customerTenantId: d.customerTenantId,
          active: true,
          changedAt: d.acceptedAt,
          eventId,
        },
      ];
    }
    case 'ResellerRelationshipTerminated': {
      const d = event.data;
      return [
        {
          kind: 'relationship',
          partnerId: d.partnerId,
          customerTenantId: d.customerTenantId,
          active: false,
          changedAt: d.terminatedAt,
          eventId,
        },
      ];
    }
    case 'IndirectResellerLinked': {
      const d = event.data;
      return [
        {
          kind: 'resellerLink',
          providerPartnerId: d.providerPartnerId,
          resellerPartnerId: d.resellerPartnerId,
          linkedAt: d.linkedAt,
        },
      ];
    }
    default:
      // Invitations requested change nothing the gate judges on; orders are not facts.
      return [];
  }
}
