// The event-type table: every event type, the topic it travels on, and each (type, version) class a
// consumer may meet. Validation of incoming messages against this table lives in validate-event.ts.
import { EventEnvelope } from './envelope';
import {
  AgreementAttestationWithdrawnV1,
  AgreementAttestedV1,
  CustomerAgreementAcceptedV1,
} from './events/acceptance';
import {
  EnhancedAttestationAcceptedV1,
  EnhancedAttestationCancelledV1,
  EnhancedAttestationExpiredV1,
  EnhancedAttestationStartedV1,
} from './events/enhanced';
import { OrderApprovedV1, OrderBlockedV1, OrderRequestedV1 } from './events/orders';
import {
  CustomerTenantCreatedV1,
  IndirectResellerLinkedV1,
  PartnerRegisteredV1,
  ResellerRelationshipAcceptedV1,
  ResellerRelationshipRequestedV1,
  ResellerRelationshipTerminatedV1,
} from './events/relationships';
import { AgreementTemplatePublishedV1 } from './events/templates';
import { Topic, Topics } from './topics';

export const EventTypes = {
  OrderRequested: 'OrderRequested',
  OrderApproved: 'OrderApproved',
  OrderBlocked: 'OrderBlocked',
  AgreementAttested: 'AgreementAttested',
  AgreementAttestationWithdrawn: 'AgreementAttestationWithdrawn',
  CustomerAgreementAccepted: 'CustomerAgreementAccepted',
  EnhancedAttestationStarted: 'EnhancedAttestationStarted',
  EnhancedAttestationAccepted: 'EnhancedAttestationAccepted',
  EnhancedAttestationCancelled: 'EnhancedAttestationCancelled',
  EnhancedAttestationExpired: 'EnhancedAttestationExpired',
  AgreementTemplatePublished: 'AgreementTemplatePublished',
  PartnerRegistered: 'PartnerRegistered',
  CustomerTenantCreated: 'CustomerTenantCreated',
  ResellerRelationshipRequested: 'ResellerRelationshipRequested',
  ResellerRelationshipAccepted: 'ResellerRelationshipAccepted',
  ResellerRelationshipTerminated: 'ResellerRelationshipTerminated',
  IndirectResellerLinked: 'IndirectResellerLinked',
} as const;
export type EventType = keyof typeof EventTypes;
export const ALL_EVENT_TYPES: readonly EventType[] = Object.values(EventTypes);

/** The topic each event type travels on (CONTRACT.md, Topics). */
export const EVENT_TOPIC: Readonly<Record<EventType, Topic>> = {
  OrderRequested: Topics.OrdersRequested,
  OrderApproved: Topics.OrdersDecided,
  OrderBlocked: Topics.OrdersDecided,
  AgreementAttested: Topics.AgreementsAcceptance,
  AgreementAttestationWithdrawn: Topics.AgreementsAcceptance,
  CustomerAgreementAccepted: Topics.AgreementsAcceptance,
  EnhancedAttestationStarted: Topics.AgreementsAcceptance,
  EnhancedAttestationAccepted: Topics.AgreementsAcceptance,
  EnhancedAttestationCancelled: Topics.AgreementsAcceptance,
  EnhancedAttestationExpired: Topics.AgreementsAcceptance,
  AgreementTemplatePublished: Topics.AgreementsTemplates,
  PartnerRegistered: Topics.PartnersRelationships,
  CustomerTenantCreated: Topics.PartnersRelationships,
  ResellerRelationshipRequested: Topics.PartnersRelationships,
  ResellerRelationshipAccepted: Topics.PartnersRelationships,
  ResellerRelationshipTerminated: Topics.PartnersRelationships,
  IndirectResellerLinked: Topics.PartnersRelationships,
};

/** The data of the current version of each event type. */
export interface EventDataByType {
  OrderRequested: OrderRequestedV1;
  OrderApproved: OrderApprovedV1;
  OrderBlocked: OrderBlockedV1;
  AgreementAttested: AgreementAttestedV1;
  AgreementAttestationWithdrawn: AgreementAttestationWithdrawnV1;
  CustomerAgreementAccepted: CustomerAgreementAcceptedV1;
  EnhancedAttestationStarted: EnhancedAttestationStartedV1;
  EnhancedAttestationAccepted: EnhancedAttestationAcceptedV1;
  EnhancedAttestationCancelled: EnhancedAttestationCancelledV1;
  EnhancedAttestationExpired: EnhancedAttestationExpiredV1;
  AgreementTemplatePublished: AgreementTemplatePublishedV1;
  PartnerRegistered: PartnerRegisteredV1;
  CustomerTenantCreated: CustomerTenantCreatedV1;
  ResellerRelationshipRequested: ResellerRelationshipRequestedV1;
  ResellerRelationshipAccepted: ResellerRelationshipAcceptedV1;
  ResellerRelationshipTerminated: ResellerRelationshipTerminatedV1;
  IndirectResellerLinked: IndirectResellerLinkedV1;
}

/** A validated envelope; narrowing on `eventType` types its `data`. */
export type KnownEventEnvelope = {
  [K in EventType]: EventEnvelope<EventDataByType[K]> & { eventType: K };
}[EventType];

export interface EventDefinition {
  readonly eventType: EventType;
  readonly eventVersion: number;
  readonly topic: Topic;
  readonly dataClass: new () => object;
}

const define = (
  eventType: EventType,
  eventVersion: number,
  dataClass: new () => object,
): EventDefinition => ({
  eventType,
  eventVersion,
  topic: EVENT_TOPIC[eventType],
  dataClass,
});

/** Every (event type, version) a consumer may meet. A new version is added here, never replaced. */
export const EVENT_REGISTRY: readonly EventDefinition[] = [
  define('OrderRequested', 1, OrderRequestedV1),
  define('OrderApproved', 1, OrderApprovedV1),
  define('OrderBlocked', 1, OrderBlockedV1),
  define('AgreementAttested', 1, AgreementAttestedV1),
  define('AgreementAttestationWithdrawn', 1, AgreementAttestationWithdrawnV1),
  define('CustomerAgreementAccepted', 1, CustomerAgreementAcceptedV1),
  define('EnhancedAttestationStarted', 1, EnhancedAttestationStartedV1),
  define('EnhancedAttestationAccepted', 1, EnhancedAttestationAcceptedV1),
  define('EnhancedAttestationCancelled', 1, EnhancedAttestationCancelledV1),
  define('EnhancedAttestationExpired', 1, EnhancedAttestationExpiredV1),
  define('AgreementTemplatePublished', 1, AgreementTemplatePublishedV1),
  define('PartnerRegistered', 1, PartnerRegisteredV1),
  define('CustomerTenantCreated', 1, CustomerTenantCreatedV1),
  define('ResellerRelationshipRequested', 1, ResellerRelationshipRequestedV1),
  define('ResellerRelationshipAccepted', 1, ResellerRelationshipAcceptedV1),
  define('ResellerRelationshipTerminated', 1, ResellerRelationshipTerminatedV1),
  define('IndirectResellerLinked', 1, IndirectResellerLinkedV1),
];

const definitionKey = (eventType: string, eventVersion: number) => `${eventType}@${eventVersion}`;
const DEFINITIONS_BY_KEY = new Map(
  EVENT_REGISTRY.map((d) => [definitionKey(d.eventType, d.eventVersion), d]),
);

export function findEventDefinition(eventType: string, eventVersion: number): EventDefinition | undefined {
  return DEFINITIONS_BY_KEY.get(definitionKey(eventType, eventVersion));
}

export function eventTypesOn(topic: string): readonly EventType[] {
  return ALL_EVENT_TYPES.filter((eventType) => EVENT_TOPIC[eventType] === topic);
}
