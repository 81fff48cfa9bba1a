import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { satisfies } from 'semver';

/*
 * The tests run on the runtime the services are deployed on (Node.js 24: package.json `engines`, the Dockerfile's
 * base image), which `npm test` takes from node_modules/.bin (scripts/node-runtime.sh). Had it fallen back to the
 * machine's Node 20, this fails rather than letting every other test pass on a runtime nobody deploys.
 */
const ROOT = join(__dirname, '..', '..', '..');
const read = (path: string) => readFileSync(join(ROOT, path), 'utf8');

describe('runtime: Node.js 24 everywhere', () => {
  it('the tests run on a Node.js that package.json engines accepts, major version 24', () => {
    const engines = (JSON.parse(read('package.json')) as { engines: { node: string } }).engines.node;
    expect(process.versions.node.split('.')[0]).toBe('24');
    expect(satisfies(process.versions.node, engines)).toBe(true);
  });

  it('the images are built from a Node.js 24 base, the version the tests run on', () => {
    const image = /^ARG NODE_IMAGE=node:(\d+)-/m.exec(read('deploy/docker/Dockerfile'));
    expect(image?.[1]).toBe(process.versions.node.split('.')[0]);
  });
});
