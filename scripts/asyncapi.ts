import { writeFileSync } from 'fs';
import { resolve } from 'path';
import { buildAsyncApiDocument } from '@app/contracts';

/* Compiled to dist/scripts/asyncapi.js, two levels below the repository root. */
const OUTPUT = resolve(__dirname, '../..', 'libs/contracts/asyncapi.json');

/** Writes the AsyncAPI document of the Kafka topics, built from libs/contracts: `npm run asyncapi`. */
function main(): void {
  writeFileSync(OUTPUT, `${JSON.stringify(buildAsyncApiDocument(), null, 2)}\n`);
  process.stdout.write(`${OUTPUT}\n`);
}

main();
