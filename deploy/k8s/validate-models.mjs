// Validates Kubernetes objects of the built-in kinds against the Kubernetes API schemas (kubernetes-models).
// kubernetes-models is ESM-only and exports only an `import` condition, which jest's CommonJS runtime cannot load,
// so the deploy specs run this in a child node process: a JSON array of objects on stdin; on stdout a JSON array,
// one entry per object, in order: { kind, name, builtIn, error? }. builtIn is false for kinds kubernetes-models
// does not have (the Strimzi and CloudNativePG resources, which the spec checks itself).
import { readFileSync } from 'node:fs';

const objects = JSON.parse(readFileSync(0, 'utf8'));
const results = [];
for (const object of objects) {
  const entry = { kind: object.kind, name: object.metadata?.name, builtIn: false };
  let model;
  try {
    const module = await import(`kubernetes-models/${object.apiVersion}`);
    model = module[object.kind];
  } catch {
    model = undefined;
  }
  if (model) {
    entry.builtIn = true;
    try {
      new model(object).validate();
    } catch (error) {
      entry.error = error instanceof Error ? error.message : String(error);
    }
  }
  results.push(entry);
}
process.stdout.write(JSON.stringify(results));
