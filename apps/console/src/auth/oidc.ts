/*
 * Sign-in with OpenID Connect, authorization code + PKCE (S256), through openid-client 6. openid-client is
 * ESM-only: the compiled console (CommonJS) loads it with Node 24's require(esm); jest's module system cannot,
 * so the console's browser tests run it as a child process from a tsc build (test/console.harness.ts).
 */
import * as client from 'openid-client';
import type { ConsoleConfig } from '../config';
import type { ConsoleUser, SignInInFlight } from './session';

export const SCOPE = 'openid profile api';

export interface SignedIn {
  user: ConsoleUser;
  accessToken: string;
  expiresIn: number;
}

const asStrings = (value: unknown): string[] =>
  Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];

export class OidcSignIn {
  private configuration?: Promise<client.Configuration>;

  constructor(private readonly config: ConsoleConfig) {}

  get redirectUri(): string {
    return `${this.config.publicUrl}/auth/callback`;
  }

  /** The issuer's metadata, discovered once; a failed discovery is tried again on the next sign-in. */
  private issuer(): Promise<client.Configuration> {
    if (!this.configuration) {
      const { issuerUrl, clientId, clientSecret } = this.config.oidc;
      const url = new URL(issuerUrl);
      this.configuration = client
        .discovery(
          url,
          clientId,
          clientSecret,
          clientSecret ? client.ClientSecretPost(clientSecret) : client.None(),
          // http only for a local issuer (npm start, tests); a real one is https.
          url.protocol === 'http:' ? { execute: [client.allowInsecureRequests] } : undefined,
        )
        .catch((error: unknown) => {
          this.configuration = undefined;
          throw error;
        });
    }
    return this.configuration;
  }

  /** Reachable issuer (for /health/ready). */
  async ready(): Promise<boolean> {
    return this.issuer().then(
      () => true,
      () => false,
    );
  }

  async begin(returnTo: string): Promise<{ url: URL; flight: SignInInFlight }> {
    const configuration = await this.issuer();
    const flight: SignInInFlight = {
      codeVerifier: client.randomPKCECodeVerifier(),
      state: client.randomState(),
      nonce: client.randomNonce(),
      returnTo,
    };
    const url = client.buildAuthorizationUrl(configuration, {
      redirect_uri: this.redirectUri,
      scope: SCOPE,
      code_challenge: await client.calculatePKCECodeChallenge(flight.codeVerifier),
      code_challenge_method: 'S256',
      state: flight.state,
      nonce: flight.nonce,
    });
    return { url, flight };
  }

  /** Exchanges the code of the callback for tokens; the user comes from the verified ID token. */
  async finish(callbackUrl: URL, flight: SignInInFlight): Promise<SignedIn> {
    const configuration = await this.issuer();
    const tokens = await client.authorizationCodeGrant(configuration, callbackUrl, {
      pkceCodeVerifier: flight.codeVerifier,
      expectedState: flight.state,
      expectedNonce: flight.nonce,
      idTokenExpected: true,
    });
    const claims = tokens.claims()!;
    const user: ConsoleUser = {
      name: typeof claims.name === 'string' ? claims.name : String(claims.sub),
      tenantId: String(claims.tid ?? ''),
      userId: String(claims.oid ?? claims.sub),
      roles: asStrings(claims.roles),
    };
    return { user, accessToken: tokens.access_token, expiresIn: tokens.expiresIn() ?? 3600 };
  }

  async signOutUrl(): Promise<URL | undefined> {
    try {
      const configuration = await this.issuer();
      return client.buildEndSessionUrl(configuration, {
        client_id: this.config.oidc.clientId,
        post_logout_redirect_uri: `${this.config.publicUrl}/`,
      });
    } catch {
      return undefined;
    }
  }
}
