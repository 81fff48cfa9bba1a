import { existsSync, readFileSync } from 'fs';
import { join, resolve } from 'path';

const CACHE = join(resolve(__dirname, '../..'), '.cache');

/** The HS256 secret of a local run: JWT_SECRET, or the one `npm start` generated (never committed). */
export function localJwtSecret(): string {
  if (process.env.JWT_SECRET) return process.env.JWT_SECRET;
  const file = join(CACHE, 'local-jwt-secret');
  if (!existsSync(file))
    throw new Error('No JWT_SECRET and no .cache/local-jwt-secret: run `npm start` first.');
  return readFileSync(file, 'utf8').trim();
}

/**
 * The operator tenant of a local run (S-03): the first of OPERATOR_TENANT_IDS, or the one `npm start`
 * generated in .cache/local-operator-tenant-id and gave the services.
 */
export function localOperatorTenantId(): string {
  const configured = process.env.OPERATOR_TENANT_IDS?.split(',')[0]?.trim();
  if (configured) return configured;
  const file = join(CACHE, 'local-operator-tenant-id');
  if (!existsSync(file))
    throw new Error('No OPERATOR_TENANT_IDS and no .cache/local-operator-tenant-id: run `npm start` first.');
  return readFileSync(file, 'utf8').trim();
}
