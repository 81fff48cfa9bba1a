import { existsSync, readFileSync } from 'fs';
import { join, resolve } from 'path';

/** The HS256 secret of a local run: JWT_SECRET, or the one `npm start` generated (never committed). */
export function localJwtSecret(): string {
  if (process.env.JWT_SECRET) return process.env.JWT_SECRET;
  const file = join(resolve(__dirname, '../..'), '.cache', 'local-jwt-secret');
  if (!existsSync(file))
    throw new Error('No JWT_SECRET and no .cache/local-jwt-secret: run `npm start` first.');
  return readFileSync(file, 'utf8').trim();
}
