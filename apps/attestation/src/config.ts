import { ConfigError, type ConfigProblem } from '@app/platform';

/** The attestation service's PostgreSQL schema: every statement, migrations included, takes it as a parameter. */
export const ATTESTATION_SCHEMA = 'attestation';

/** The settings only this service has; the platform's (`ServiceConfig`) are read by `loadConfig`. */
export interface AttestationSettings {
  /**
   * refuse an attestation unless the partner holds an active relationship with the customer,
   * as told by `partners.relationships` (ATTESTATION_REQUIRE_RELATIONSHIP, default true).
   */
  readonly requireRelationship: boolean;
  /**
   * how long an attestation that would be refused for lack of a partner, customer or
   * relationship waits for `partners.relationships` to be applied; past it the answer is 503 with
   * Retry-After, never the refusal (ATTESTATION_RELATIONSHIP_CATCH_UP_MS).
   */
  readonly relationshipCatchUpMs: number;
  /** E-01: the base of acceptance links, `${publicBaseUrl}/acceptance/<token>` (PUBLIC_BASE_URL). */
  readonly publicBaseUrl: string;
  /**
   * E-05: how often pending enhanced attestations past their expiry are marked Expired and their
   * EnhancedAttestationExpired emitted, even if nobody looks (ATTESTATION_EXPIRY_SWEEP_MS).
   */
  readonly expirySweepMs: number;
}

/** Long enough to read a backlog of tens of thousands of relationship facts; short of a client's HTTP timeout. */
export const DEFAULT_RELATIONSHIP_CATCH_UP_MS = 10000;
const MAX_RELATIONSHIP_CATCH_UP_MS = 30000;
export const DEFAULT_PUBLIC_BASE_URL = 'http://127.0.0.1:3001';
export const DEFAULT_EXPIRY_SWEEP_MS = 30000;
const MIN_EXPIRY_SWEEP_MS = 100;
const MAX_EXPIRY_SWEEP_MS = 3600000;

/** An absolute http(s) URL with no query, fragment or credentials: the base of every acceptance link. */
function publicBaseUrlOf(text: string): string | undefined {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return undefined;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return undefined;
  if (url.search || url.hash || url.username || url.password) return undefined;
  return url.toString().replace(/\/+$/, '');
}

type Env = Record<string, string | undefined>;

const valueOf = (env: Env, variable: string): string | undefined => env[variable]?.trim() || undefined;

/**
 * Reads ATTESTATION_REQUIRE_RELATIONSHIP (`true` | `false`), ATTESTATION_RELATIONSHIP_CATCH_UP_MS
 * (0..30000), PUBLIC_BASE_URL and ATTESTATION_EXPIRY_SWEEP_MS (100..3600000). Problems name the variable,
 * never its value.
 */
export function loadAttestationSettings(env: Env): AttestationSettings {
  const problems: ConfigProblem[] = [];
  const required = (valueOf(env, 'ATTESTATION_REQUIRE_RELATIONSHIP') ?? 'true').toLowerCase();
  if (required !== 'true' && required !== 'false') {
    problems.push({ variable: 'ATTESTATION_REQUIRE_RELATIONSHIP', expected: 'must be "true" or "false"' });
  }
  const catchUpText = valueOf(env, 'ATTESTATION_RELATIONSHIP_CATCH_UP_MS');
  const catchUp = catchUpText === undefined ? DEFAULT_RELATIONSHIP_CATCH_UP_MS : Number(catchUpText);
  if (!/^\d{1,5}$/.test(catchUpText ?? '0') || catchUp > MAX_RELATIONSHIP_CATCH_UP_MS) {
    problems.push({
      variable: 'ATTESTATION_RELATIONSHIP_CATCH_UP_MS',
      expected: `must be a whole number of milliseconds between 0 and ${MAX_RELATIONSHIP_CATCH_UP_MS}`,
    });
  }
  const publicBaseUrl = publicBaseUrlOf(valueOf(env, 'PUBLIC_BASE_URL') ?? DEFAULT_PUBLIC_BASE_URL);
  if (publicBaseUrl === undefined) {
    problems.push({
      variable: 'PUBLIC_BASE_URL',
      expected: 'must be an absolute http or https URL with no query, fragment or credentials',
    });
  }
  const sweepText = valueOf(env, 'ATTESTATION_EXPIRY_SWEEP_MS');
  const sweep = sweepText === undefined ? DEFAULT_EXPIRY_SWEEP_MS : Number(sweepText);
  if (!/^\d{1,7}$/.test(sweepText ?? '0') || sweep < MIN_EXPIRY_SWEEP_MS || sweep > MAX_EXPIRY_SWEEP_MS) {
    problems.push({
      variable: 'ATTESTATION_EXPIRY_SWEEP_MS',
      expected: `must be a whole number of milliseconds between ${MIN_EXPIRY_SWEEP_MS} and ${MAX_EXPIRY_SWEEP_MS}`,
    });
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return Object.freeze({
    requireRelationship: required === 'true',
    relationshipCatchUpMs: catchUp,
    publicBaseUrl: publicBaseUrl!,
    expirySweepMs: sweep,
  });
}

export const ATTESTATION_SETTINGS = Symbol('ATTESTATION_SETTINGS');
