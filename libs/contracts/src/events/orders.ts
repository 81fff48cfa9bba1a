/* class-transformer's @Type reads design-time type metadata, so the shim must load before these classes. */
import 'reflect-metadata';
import { Type } from 'class-transformer';
import {
  IsArray,
  IsBoolean,
  IsIn,
  IsInt,
  IsNotEmpty,
  IsObject,
  IsOptional,
  IsString,
  Length,
  Min,
  ValidateIf,
  ValidateBy,
  ValidateNested,
} from 'class-validator';
import {
  ACCEPTANCE_SOURCES,
  AGREEMENT_TYPES,
  AcceptanceSource,
  AgreementType,
  APPROVED_REASONS,
  ApprovedReason,
  BLOCKED_REASONS,
  BlockedReason,
  Channel,
  CHANNELS,
  ORDER_KINDS,
  OrderKind,
} from '../enums';
import { ENHANCED_ATTESTATION_STATUSES, EnhancedAttestationStatus } from './enhanced';
import { IsDateTime, IsGuid } from '../validators';

export const ORDER_ID_MAX_LENGTH = 128;
/**
 * G-14: the longest orderId an `InvalidOrder` decision answers (a request's orderId may be out of contract, too
 * long for one). Longer ones, like requests with no orderId, cannot be answered and go to the `.dlq` alone.
 */
export const READABLE_ORDER_ID_MAX_LENGTH = 512;
export const SUBSCRIPTION_ID_MAX_LENGTH = 128;

export class LineItem {
  @IsString()
  @IsNotEmpty()
  offerId: string;

  @IsInt()
  @Min(0)
  quantity: number;
}

/** A new purchase has no subscription yet; every other kind acts on an existing one. */
function concernsExistingSubscription(order: OrderRequestedV1): boolean {
  return (
    order.kind !== OrderKind.NewPurchase ||
    (order.subscriptionId !== undefined && order.subscriptionId !== null)
  );
}

export class OrderRequestedV1 {
  @IsString()
  @Length(1, ORDER_ID_MAX_LENGTH)
  orderId: string;

  /** The transacting partner: a direct-bill partner or an indirect provider. */
  @IsGuid()
  partnerId: string;

  /** The indirect reseller of record, when the order names one. */
  @IsOptional()
  @IsGuid()
  resellerPartnerId?: string;

  @IsGuid()
  customerTenantId: string;

  @IsIn(ORDER_KINDS)
  kind: OrderKind;

  @IsIn(CHANNELS)
  channel: Channel;

  @IsDateTime()
  requestedAt: string;

  @ValidateIf(concernsExistingSubscription)
  @IsString()
  @Length(1, SUBSCRIPTION_ID_MAX_LENGTH)
  subscriptionId?: string;

  @IsArray()
  @ValidateNested({ each: true })
  @Type(() => LineItem)
  lineItems: LineItem[];
}

/** What a decision rested on; every field is null when no acceptance was found. */
export class DecisionEvidence {
  @IsOptional()
  @IsIn(ACCEPTANCE_SOURCES)
  acceptanceSource?: AcceptanceSource | null;

  @IsOptional()
  @IsIn(AGREEMENT_TYPES)
  agreementType?: AgreementType | null;

  @IsOptional()
  @IsGuid()
  templateId?: string | null;

  @IsOptional()
  @IsDateTime()
  dateAgreed?: string | null;

  /** The eventId of the acceptance fact relied on. */
  @IsOptional()
  @IsGuid()
  acceptanceEventId?: string | null;

  /** The enhanced attestation behind the fact relied on (E-04), or null. */
  @IsOptional()
  @IsGuid()
  enhancedAttestationId?: string | null;
}

/** G-15: the enhanced attestation that awaits the customer, named in a block so the storefront can send them to it. */
export class PendingAttestation {
  @IsGuid()
  attestationId: string;

  @IsIn(ENHANCED_ATTESTATION_STATUSES)
  status: EnhancedAttestationStatus;

  @IsString()
  @IsNotEmpty()
  acceptanceUrl: string;

  @IsDateTime()
  expiresAt: string;
}

/* `reason` is declared by each subclass: class-validator lets a subclass's constraints on a property
 * replace the parent's, and the two decisions have disjoint reason lists. */
abstract class OrderDecisionV1 {
  @IsString()
  @Length(1, ORDER_ID_MAX_LENGTH)
  orderId: string;

  @IsGuid()
  partnerId: string;

  @IsGuid()
  customerTenantId: string;

  @IsIn(ORDER_KINDS)
  kind: OrderKind;

  @IsDateTime()
  requestedAt: string;

  @IsDateTime()
  decidedAt: string;

  /** Human-readable: why, and what to do (G-08). */
  @IsString()
  @IsNotEmpty()
  message: string;

  @IsObject()
  @ValidateNested()
  @Type(() => DecisionEvidence)
  evidence: DecisionEvidence;

  /** The id of the policy timeline applied (G-09). */
  @IsString()
  @IsNotEmpty()
  policyVersion: string;

  /**
   * G-11: false when the gate decided past its longest wait for the fact topics, on what it had read by then.
   * Absent from decisions recorded before it existed.
   */
  @IsOptional()
  @IsBoolean()
  factsComplete?: boolean;
}

export class OrderApprovedV1 extends OrderDecisionV1 {
  @IsIn(APPROVED_REASONS)
  reason: ApprovedReason;
}

/** The answer to a request that failed validation (G-14): its fields that could not be read are absent. */
const readUnlessInvalidOrder = (property: keyof OrderBlockedV1) => (decision: OrderBlockedV1) =>
  decision.reason !== BlockedReason.InvalidOrder || decision[property] !== undefined;

/* The order's fields are redeclared: an InvalidOrder decision carries only those of the request that could be
 * read, and the orderId as the request had it, up to READABLE_ORDER_ID_MAX_LENGTH. */
export class OrderBlockedV1 extends OrderDecisionV1 {
  @IsDecisionOrderId()
  override orderId: string;

  @ValidateIf(readUnlessInvalidOrder('partnerId'))
  @IsGuid()
  override partnerId: string;

  @ValidateIf(readUnlessInvalidOrder('customerTenantId'))
  @IsGuid()
  override customerTenantId: string;

  @ValidateIf(readUnlessInvalidOrder('kind'))
  @IsIn(ORDER_KINDS)
  override kind: OrderKind;

  @ValidateIf(readUnlessInvalidOrder('requestedAt'))
  @IsDateTime()
  override requestedAt: string;

  @IsIn(BLOCKED_REASONS)
  reason: BlockedReason;

  /** G-15: present when an enhanced attestation for the pair awaits the customer's acceptance. */
  @IsOptional()
  @IsObject()
  @ValidateNested()
  @Type(() => PendingAttestation)
  pendingAttestation?: PendingAttestation;
}

/** 1..128 characters, or up to READABLE_ORDER_ID_MAX_LENGTH for an InvalidOrder decision (G-14). */
function IsDecisionOrderId(): PropertyDecorator {
  return ValidateBy({
    name: 'isDecisionOrderId',
    validator: {
      validate: (value, args) => {
        const max =
          (args?.object as OrderBlockedV1 | undefined)?.reason === BlockedReason.InvalidOrder
            ? READABLE_ORDER_ID_MAX_LENGTH
            : ORDER_ID_MAX_LENGTH;
        return typeof value === 'string' && value.length >= 1 && value.length <= max;
      },
      defaultMessage: () =>
        `$property must be 1 to ${ORDER_ID_MAX_LENGTH} characters (${READABLE_ORDER_ID_MAX_LENGTH} for InvalidOrder)`,
    },
  });
}
