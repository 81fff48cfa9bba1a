import { isGuid } from '@app/contracts';

/*
 * A-16's continuation token: opaque to callers (base64url), a keyset position for us: the last
 * customer of the previous page. Nothing in it grants access: the query is always the caller's own.
 */
const TOKEN_VERSION = 1;

export function encodeContinuationToken(afterCustomerTenantId: string): string {
  return Buffer.from(JSON.stringify({ v: TOKEN_VERSION, after: afterCustomerTenantId }), 'utf8').toString(
    'base64url',
  );
}

/** The position a token stands for; undefined when it is not one we issued. */
export function decodeContinuationToken(token: string): string | undefined {
  if (!/^[A-Za-z0-9_-]{1,200}$/.test(token)) return undefined;
  try {
    const parsed: unknown = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
    if (typeof parsed !== 'object' || parsed === null) return undefined;
    const { v, after } = parsed as { v?: unknown; after?: unknown };
    return v === TOKEN_VERSION && isGuid(after) ? after : undefined;
  } catch {
    return undefined;
  }
}
