import { appendFileSync, readFileSync } from 'fs';

/** What the workload acknowledged, sent, saw refused or lost, and what the driver did: one line each. */
export type Fact =
  | 'PartnerRegistered'
  | 'CustomerCreated'
  | 'InvitationCreated'
  | 'RelationshipAccepted'
  | 'Attested'
  | 'Withdrawn'
  | 'DirectAccepted'
  | 'Terminated'
  | 'IndirectLinked';

/** The ids a fact names (which of them depends on the fact). */
export interface FactIds {
  partnerId?: string;
  partnerType?: string;
  customerTenantId?: string;
  attestationId?: string;
  agreementType?: string;
  templateId?: string;
  dateAgreed?: string;
  token?: string;
  viaPartnerId?: string;
  providerPartnerId?: string;
  resellerPartnerId?: string;
}

export interface AckEntry extends FactIds {
  kind: 'ack';
  fact: Fact;
  sentAt: string;
  ackAt: string;
  httpStatus: number;
}

export interface RefusedEntry extends FactIds {
  kind: 'refused' | 'error';
  fact: Fact | 'Order';
  sentAt: string;
  ackAt: string;
  httpStatus?: number;
  code?: string;
  target?: string;
}

export interface OrderEntry {
  kind: 'order';
  orderId: string;
  partnerId: string;
  customerTenantId: string;
  orderKind: string;
  requestedAt: string;
  sentAt: string;
  ackAt: string;
}

export type FaultKind = 'kill-service' | 'kill-broker' | 'sigstop-gate' | 'pg-restart';

export interface FaultEntry {
  kind: 'fault';
  fault: FaultKind;
  target: string;
  startAt: string;
  endAt: string;
  recoveredAt?: string;
}

export interface PhaseEntry {
  kind: 'phase';
  phase: 'workload-start' | 'workload-end' | 'quiesced';
  at: string;
}

export type JournalEntry = AckEntry | RefusedEntry | OrderEntry | FaultEntry | PhaseEntry;

/** Appends as things happen (synchronously: a crash of the driver loses nothing it wrote). */
export class Journal {
  constructor(private readonly file: string) {}

  write(entry: JournalEntry): void {
    appendFileSync(this.file, `${JSON.stringify(entry)}\n`);
  }
}

export function readJournal(file: string): JournalEntry[] {
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as JournalEntry);
}

export interface RunInfo {
  runId: string;
  startedAt: string;
  endedAt?: string;
  brokers: string[];
  databaseUrl: string;
  operatorTenantId: string;
  jwtSecretFile: string;
  services: Record<string, { service: string; instance: number; port: number; pidHistory: number[] }>;
  settings: { seconds: number; rate: number; faults: string[]; profile: string };
}

export const iso = (ms = Date.now()) => new Date(ms).toISOString();
