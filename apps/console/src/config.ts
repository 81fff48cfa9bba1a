/*
 * The console's settings, read from the environment and checked at start like the services' (libs/platform
 * config.ts): every problem is named at once, by variable, never echoing a secret. Empty variables count as
 * unset.
 */
export interface ConsoleConfig {
  readonly port: number;
  /** The address people open; the OIDC redirect URI is `<publicUrl>/auth/callback`. */
  readonly publicUrl: string;
  readonly oidc: {
    readonly issuerUrl: string;
    readonly clientId: string;
    /** Absent for a public client (PKCE alone). */
    readonly clientSecret?: string;
  };
  /** Keys the session cookie (AES-256-GCM) and the forms' CSRF tokens. */
  readonly sessionSecret: string;
  readonly services: {
    readonly attestation: string;
    readonly resellerRelationship: string;
    readonly orderGate: string;
    readonly audit: string;
  };
}

export interface ConsoleConfigProblem {
  readonly variable: string;
  readonly expected: string;
}

export class ConsoleConfigError extends Error {
  constructor(readonly problems: readonly ConsoleConfigProblem[]) {
    super(`Invalid configuration: ${problems.map((p) => `${p.variable} ${p.expected}`).join('; ')}`);
    this.name = 'ConsoleConfigError';
  }
}

export const MIN_SESSION_SECRET_LENGTH = 32;

type Env = Record<string, string | undefined>;

function valueOf(env: Env, variable: string): string | undefined {
  const value = env[variable]?.trim();
  return value ? value : undefined;
}

function isHttpUrl(text: string): boolean {
  try {
    const url = new URL(text);
    return (url.protocol === 'http:' || url.protocol === 'https:') && !url.search && !url.hash;
  } catch {
    return false;
  }
}

const withoutTrailingSlash = (url: string) => url.replace(/\/+$/, '');

export function loadConsoleConfig(env: Env = process.env): ConsoleConfig {
  const problems: ConsoleConfigProblem[] = [];
  const problem = (variable: string, expected: string) => problems.push({ variable, expected });

  const portText = valueOf(env, 'CONSOLE_PORT') ?? '3000';
  const port = /^\d{1,5}$/.test(portText) && Number(portText) <= 65535 ? Number(portText) : NaN;
  if (Number.isNaN(port)) problem('CONSOLE_PORT', 'must be a TCP port number between 0 and 65535');

  const url = (variable: string, fallback?: string): string => {
    const value = valueOf(env, variable) ?? fallback;
    if (value === undefined) {
      problem(variable, 'must be set (an http:// or https:// URL)');
      return '';
    }
    if (!isHttpUrl(value)) problem(variable, 'must be an http:// or https:// URL without query or fragment');
    return withoutTrailingSlash(value);
  };

  const publicUrl = url('CONSOLE_PUBLIC_URL', 'http://127.0.0.1:3000');
  const issuerUrl = url('OIDC_ISSUER_URL');
  const clientId = valueOf(env, 'OIDC_CLIENT_ID');
  if (clientId === undefined)
    problem('OIDC_CLIENT_ID', 'must be set (the console’s client id at the issuer)');
  const clientSecret = valueOf(env, 'OIDC_CLIENT_SECRET');

  const sessionSecret = valueOf(env, 'CONSOLE_SESSION_SECRET') ?? '';
  if (sessionSecret.length < MIN_SESSION_SECRET_LENGTH) {
    problem('CONSOLE_SESSION_SECRET', `must be at least ${MIN_SESSION_SECRET_LENGTH} characters long`);
  }

  const services = {
    attestation: url('ATTESTATION_URL', 'http://127.0.0.1:3001'),
    resellerRelationship: url('RESELLER_RELATIONSHIP_URL', 'http://127.0.0.1:3002'),
    orderGate: url('ORDER_GATE_URL', 'http://127.0.0.1:3003'),
    audit: url('AUDIT_URL', 'http://127.0.0.1:3004'),
  };

  if (problems.length > 0) throw new ConsoleConfigError(problems);
  return Object.freeze({
    port,
    publicUrl,
    oidc: Object.freeze({ issuerUrl, clientId: clientId!, clientSecret }),
    sessionSecret,
    services: Object.freeze(services),
  });
}

/** Cookies get `Secure` when people reach the console over https. */
export const isHttps = (config: ConsoleConfig) => config.publicUrl.startsWith('https:');
