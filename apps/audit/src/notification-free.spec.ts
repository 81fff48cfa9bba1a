import { readdirSync, readFileSync } from 'fs';
import { join } from 'path';

/** Every module the audit service's own code may import: none of them can mail, text or call out. */
const ALLOWED_IMPORTS = new Set([
  '@app/contracts',
  '@app/messaging',
  '@app/platform',
  '@nestjs/common',
  '@nestjs/swagger',
  'class-validator',
  'crypto',
  'events',
  'express',
  'fs',
  'pg',
  'stream',
  'stream/promises',
  'typeorm',
]);

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sources(path);
    return /\.ts$/.test(entry.name) && !/\.(spec|int-spec|harness)\.ts$/.test(entry.name) ? [path] : [];
  });
}

describe('the audit service is notification-free (U-06)', () => {
  const files = sources(__dirname);

  it('U-06: imports nothing that could send mail, texts or HTTP requests', () => {
    expect(files.length).toBeGreaterThan(5);
    const imports = files.flatMap((file) =>
      [...readFileSync(file, 'utf8').matchAll(/(?:from\s+|require\(\s*|import\(\s*)['"]([^'"]+)['"]/g)].map(
        (m) => ({ file, module: m[1] }),
      ),
    );
    const outside = imports.filter(({ module }) => !module.startsWith('.') && !ALLOWED_IMPORTS.has(module));
    expect(outside).toEqual([]);
  });

  it('U-06: never calls fetch, never publishes: no producer, outbox or socket in its code', () => {
    const offending = files.filter((file) =>
      /\bfetch\s*\(|\.enqueue\(|\bproducer\b|\.send\(|new\s+Socket\b|\bXMLHttpRequest\b/.test(
        readFileSync(file, 'utf8'),
      ),
    );
    expect(offending).toEqual([]);
  });
});
