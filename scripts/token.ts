import { randomUUID } from 'crypto';
import { signHs256Token } from '@app/platform/auth/dev-token';
import { OPERATOR_ROLES } from '@app/platform/auth/principal';
import { localJwtSecret, localOperatorTenantId } from './local-secret';

/**
 * Prints a bearer token signed with the local HS256 secret, for trying the APIs by hand:
 *   npm run token -- --tenant <partner guid> --roles AdminAgent,SalesAgent
 *   npm run token -- --roles PlatformAdmin      (the local operator tenant, S-03)
 * Auditor and PlatformAdmin count only in tokens of an operator tenant, so when they are asked for
 * without --tenant the token is the local operator tenant's.
 */
async function main(): Promise<void> {
  const args = new Map<string, string>();
  const argv = process.argv.slice(2);
  for (let i = 0; i < argv.length; i += 2) args.set(argv[i].replace(/^--/, ''), argv[i + 1] ?? '');
  const roles = (args.get('roles') ?? 'AdminAgent').split(',').filter(Boolean);
  const wantsOperator = roles.some((role) => (OPERATOR_ROLES as readonly string[]).includes(role));
  const tid = (args.get('tenant') ?? (wantsOperator ? localOperatorTenantId() : randomUUID())).toLowerCase();
  if (wantsOperator && tid !== localOperatorTenantId()) {
    process.stderr.write(
      `token: ${tid} is not the operator tenant: Auditor and PlatformAdmin will not count (OPERATOR_TENANT_IDS).\n`,
    );
  }
  const token = await signHs256Token(localJwtSecret(), { tid, oid: args.get('user') ?? randomUUID(), roles });
  process.stdout.write(`${token}\n`);
}

main().catch((err) => {
  process.stderr.write(`token: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
