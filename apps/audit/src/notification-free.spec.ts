import { readFileSync } from 'fs';
import { importsOf, notificationPathsInSharedLibs, productionSources } from '@app/testing/notification-scan';

/**
 * Every module the audit service's own code may import: none of them can mail, text or call out. The
 * shared libs among them are scanned for ways out below.
 */
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

describe('the audit service is notification-free (U-06)', () => {
  const files = productionSources(__dirname);

  it('U-06: imports nothing that could send mail, texts or HTTP requests', () => {
    expect(files.length).toBeGreaterThan(5);
    const imports = files.flatMap(importsOf);
    const outside = imports.filter(({ module }) => !module.startsWith('.') && !ALLOWED_IMPORTS.has(module));
    expect(outside.map(({ file, module }) => ({ file, module }))).toEqual([]);
  });

  it("U-06: the shared libs it imports (@app/platform, @app/messaging, @app/contracts) reach only their broker, their database and the identity provider's keys", () => {
    expect(notificationPathsInSharedLibs()).toEqual([]);
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
