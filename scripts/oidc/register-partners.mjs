#!/usr/bin/env node
/*
 * Registers the local sign-in's partner tenants A and B (.cache/oidc/local-users.json) on reseller-relationship,
 * so their users can act at once (S-03: only registered partners act as partners). Run by scripts/start.sh once the
 * services are ready; registering again with the same facts is answered with the stored record.
 *
 * Environment: JWT_SECRET and OPERATOR_TENANT_IDS (as start.sh exports them: the call is the operator's, HS256),
 * RESELLER_RELATIONSHIP_PORT (default 3002), OIDC_CACHE_DIR (default <repo>/.cache/oidc).
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SignJWT } from 'jose';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const CACHE_DIR = resolve(process.env.OIDC_CACHE_DIR || join(ROOT, '.cache', 'oidc'));
const BASE = `http://127.0.0.1:${process.env.RESELLER_RELATIONSHIP_PORT || 3002}`;

function fail(message) {
  process.stderr.write(`register-partners: ${message}\n`);
  process.exit(1);
}

const secret = process.env.JWT_SECRET;
const operator = process.env.OPERATOR_TENANT_IDS?.split(',')[0]?.trim();
if (!secret || !operator) fail('needs JWT_SECRET and OPERATOR_TENANT_IDS (scripts/start.sh exports both)');
const { tenants } = JSON.parse(readFileSync(join(CACHE_DIR, 'local-users.json'), 'utf8'));

const token = await new SignJWT({ tid: operator, oid: randomUUID(), roles: ['PlatformAdmin'] })
  .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
  .setIssuedAt()
  .setExpirationTime('5m')
  .sign(new TextEncoder().encode(secret));

for (const [label, id] of [
  ['A', tenants.partnerA],
  ['B', tenants.partnerB],
]) {
  const response = await fetch(`${BASE}/v1/partners`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({
      id,
      name: `Partner ${label} (local sign-in)`,
      partnerType: 'DirectBill',
      cloud: 'Public',
    }),
  });
  if (response.status !== 201) fail(`partner ${label} (${id}): ${response.status} ${await response.text()}`);
  process.stdout.write(`partner ${label} ${id} registered\n`);
}
