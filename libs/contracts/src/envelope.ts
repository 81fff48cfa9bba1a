import { randomUUID } from 'crypto';
import { IsInt, IsNotEmpty, IsObject, IsOptional, IsString, Length, Min } from 'class-validator';
import { IsDateTime, IsGuid } from './validators';

/** The one envelope around every Kafka value (docs/contract.md). */
export interface EventEnvelope<T = unknown> {
  eventId: string;
  eventType: string;
  eventVersion: number;
  occurredAt: string;
  producer: string;
  correlationId: string;
  causationId: string | null;
  data: T;
}

export const CORRELATION_ID_MAX_LENGTH = 128;

export class EnvelopeDto implements EventEnvelope<object> {
  @IsGuid()
  eventId: string;

  @IsString()
  @IsNotEmpty()
  eventType: string;

  @IsInt()
  @Min(1)
  eventVersion: number;

  @IsDateTime()
  occurredAt: string;

  @IsString()
  @IsNotEmpty()
  producer: string;

  /* Echoed from callers' MS-CorrelationId, so any short string is accepted, not only a UUID. */
  @IsString()
  @Length(1, CORRELATION_ID_MAX_LENGTH)
  correlationId: string;

  /* Null for an event no other event caused; an absent value is read as null. */
  @IsOptional()
  @IsString()
  @IsNotEmpty()
  causationId: string | null;

  @IsObject()
  data: object;
}

export interface BuildEnvelopeOptions {
  producer: string;
  /** Defaults to the new event's own id: the event starts a new chain. */
  correlationId?: string;
  causationId?: string | null;
  eventVersion?: number;
  occurredAt?: Date;
}

export function buildEnvelope<T>(eventType: string, data: T, opts: BuildEnvelopeOptions): EventEnvelope<T> {
  const eventId = randomUUID();
  return {
    eventId,
    eventType,
    eventVersion: opts.eventVersion ?? 1,
    occurredAt: (opts.occurredAt ?? new Date()).toISOString(),
    producer: opts.producer,
    correlationId: opts.correlationId ?? eventId,
    causationId: opts.causationId ?? null,
    data,
  };
}
