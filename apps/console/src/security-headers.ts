import type { NextFunction, Request, Response } from 'express';
import type { ConsoleConfig } from './config';

/**
 * Every answer: scripts and styles only from the console itself (chart.js is served from here), no framing,
 * forms posted only here or on to the sign-in issuer (sign-out redirects there), no Referer with ids leaving.
 */
export function contentSecurityPolicy(config: ConsoleConfig): string {
  const issuer = new URL(config.oidc.issuerUrl).origin;
  return [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "connect-src 'self'",
    `form-action 'self' ${issuer}`,
    "base-uri 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}

export function securityHeaders(config: ConsoleConfig) {
  const csp = contentSecurityPolicy(config);
  return (_request: Request, response: Response, next: NextFunction) => {
    response.setHeader('Content-Security-Policy', csp);
    response.setHeader('X-Frame-Options', 'DENY');
    response.setHeader('X-Content-Type-Options', 'nosniff');
    response.setHeader('Referrer-Policy', 'same-origin');
    next();
  };
}
