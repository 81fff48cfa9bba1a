#!/usr/bin/env node
/*
 * Part of `npm run lint`: every installed package whose `engines.node` range excludes the Node.js this project runs
 * on (the one running this script: node_modules/.bin/node, 24.x) is listed, and the check fails. A dependency that
 * does not support our runtime is a bug waiting for its first code path, not a warning to scroll past. The ranges
 * come from package-lock.json, which records each package's `engines`; packages not installed on this platform
 * (optional, other OS or CPU) are skipped. The project's own range must hold too.
 */
const { existsSync } = require('node:fs');
const { join } = require('node:path');
const semver = require('semver');

const root = join(__dirname, '..');
const lock = require(join(root, 'package-lock.json'));
const running = process.versions.node;
const excluded = [];
for (const [path, meta] of Object.entries(lock.packages ?? {})) {
  const range = meta.engines?.node;
  if (!range) continue;
  if (path !== '' && !existsSync(join(root, path))) continue;
  if (!semver.satisfies(running, range, { includePrerelease: true }))
    excluded.push(`${path || 'this project'} (engines.node "${range}")`);
}
if (excluded.length > 0) {
  console.error(`check-engines: ${excluded.length} package(s) exclude Node.js ${running}:\n  ${excluded.join('\n  ')}`);
  process.exit(1);
}
console.log(`check-engines: every installed package accepts Node.js ${running}`);
