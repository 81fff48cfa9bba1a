import { hkdfSync } from 'node:crypto';
import { ConfigError, type ConfigProblem } from '@app/platform';

/** The settings only this service has; the platform's (`ServiceConfig`) are read by `loadConfig`. */
export interface RelationshipConfig {
  /** The HMAC-SHA256 key of invitation tokens (D-02). */
  readonly invitationSigningKey: Buffer;
  /** Invitation URLs are `<base>/<token>`; the customer accepts with `POST <base>/<token>/accept`. */
  readonly invitationBaseUrl: string;
  readonly invitationTtlMs: number;
}

export const MIN_INVITATION_SECRET_LENGTH = 32;
export const DEFAULT_INVITATION_BASE_URL = 'http://127.0.0.1:3002/v1/invitations';
export const DEFAULT_INVITATION_TTL_HOURS = 168;
const MAX_INVITATION_TTL_HOURS = 24 * 90;
const HKDF_INFO = 'invitation-tokens';

type Env = Record<string, string | undefined>;

const valueOf = (env: Env, variable: string): string | undefined => env[variable]?.trim() || undefined;

/**
 * Reads INVITATION_SIGNING_SECRET, INVITATION_BASE_URL and INVITATION_TTL_HOURS. Without its own
 * secret the service derives one from JWT_SECRET (HKDF-SHA256, info "invitation-tokens"), so a local
 * run needs nothing more; a production deployment verifying RS256/ES256 tokens has no JWT_SECRET and
 * must set INVITATION_SIGNING_SECRET. Problems name the variable, never its value.
 */
export function loadRelationshipConfig(env: Env, fallback: { jwtSecret?: string } = {}): RelationshipConfig {
  const problems: ConfigProblem[] = [];
  const problem = (variable: string, expected: string) => problems.push({ variable, expected });

  const secret = valueOf(env, 'INVITATION_SIGNING_SECRET');
  const jwtSecret = valueOf(env, 'JWT_SECRET') ?? fallback.jwtSecret;
  let invitationSigningKey: Buffer | undefined;
  if (secret !== undefined) {
    if (secret.length < MIN_INVITATION_SECRET_LENGTH) {
      problem(
        'INVITATION_SIGNING_SECRET',
        `must be at least ${MIN_INVITATION_SECRET_LENGTH} characters long`,
      );
    } else {
      invitationSigningKey = Buffer.from(secret, 'utf8');
    }
  } else if (jwtSecret !== undefined) {
    invitationSigningKey = Buffer.from(hkdfSync('sha256', jwtSecret, Buffer.alloc(0), HKDF_INFO, 32));
  } else {
    problem(
      'INVITATION_SIGNING_SECRET',
      `must be set (at least ${MIN_INVITATION_SECRET_LENGTH} characters) when JWT_SECRET is not set`,
    );
  }

  const baseUrl = (valueOf(env, 'INVITATION_BASE_URL') ?? DEFAULT_INVITATION_BASE_URL).replace(/\/+$/, '');
  if (!isHttpUrl(baseUrl)) problem('INVITATION_BASE_URL', 'must be an http:// or https:// URL');

  const ttlText = valueOf(env, 'INVITATION_TTL_HOURS');
  const ttlHours = ttlText === undefined ? DEFAULT_INVITATION_TTL_HOURS : Number(ttlText);
  if (!/^\d+$/.test(ttlText ?? '1') || ttlHours < 1 || ttlHours > MAX_INVITATION_TTL_HOURS) {
    problem('INVITATION_TTL_HOURS', `must be a whole number of hours from 1 to ${MAX_INVITATION_TTL_HOURS}`);
  }

  if (problems.length > 0) throw new ConfigError(problems);
  return Object.freeze({
    invitationSigningKey: invitationSigningKey!,
    invitationBaseUrl: baseUrl,
    invitationTtlMs: ttlHours * 3600 * 1000,
  });
}

function isHttpUrl(text: string): boolean {
  try {
    const url = new URL(text);
    return url.protocol === 'https:' || url.protocol === 'http:';
  } catch {
    return false;
  }
}
