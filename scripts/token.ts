import { randomUUID } from 'crypto';
import { signHs256Token } from '@app/platform/auth/dev-token';
import { localJwtSecret } from './local-secret';

/**
 * Prints a bearer token signed with the local HS256 secret, for trying the APIs by hand:
 *   npm run token -- --tenant <partner guid> --roles AdminAgent,SalesAgent
 */
async function main(): Promise<void> {
  const args = new Map<string, string>();
  const argv = process.argv.slice(2);
  for (let i = 0; i < argv.length; i += 2) args.set(argv[i].replace(/^--/, ''), argv[i + 1] ?? '');
  const tid = (args.get('tenant') ?? randomUUID()).toLowerCase();
  const roles = (args.get('roles') ?? 'AdminAgent').split(',').filter(Boolean);
  const token = await signHs256Token(localJwtSecret(), { tid, oid: args.get('user') ?? randomUUID(), roles });
  process.stdout.write(`${token}\n`);
}

void main();
