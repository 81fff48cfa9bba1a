/*
 * A small reader of kustomization.yaml for the deploy specs: it renders deploy/k8s's overlays without kubectl,
 * which Debian does not package in a version with a current Kustomize (bookworm's kubernetes-client is 1.20, whose
 * Kustomize 2.0 predates `patches`). It knows exactly the fields deploy/k8s uses and refuses any other, so a
 * kustomization that grows a new field fails the spec instead of being rendered wrongly:
 *
 *   resources (files and directories), namespace, images (newName, newTag, digest), and patches that are JSON 6902
 *   operations (add, replace, remove) from `path` or `patch`, aimed by `target` (group, version, kind, name,
 *   labelSelector with `key=value` terms).
 *
 * Where kubectl is installed, the spec also renders with `kubectl kustomize` and requires the same objects.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseAllDocuments } from 'yaml';

export type Manifest = {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  [field: string]: unknown;
};

interface Target {
  group?: string;
  version?: string;
  kind?: string;
  name?: string;
  labelSelector?: string;
}

interface Operation {
  op: 'add' | 'replace' | 'remove';
  path: string;
  value?: unknown;
}

const KNOWN_FIELDS = new Set(['apiVersion', 'kind', 'resources', 'namespace', 'images', 'patches']);
const CLUSTER_SCOPED = new Set([
  'Namespace',
  'CustomResourceDefinition',
  'ClusterRole',
  'ClusterRoleBinding',
]);

/** Every document of a YAML file, parsed; a syntax error in any of them throws with the file's name. */
export function readYamlDocuments(file: string): unknown[] {
  const docs = parseAllDocuments(readFileSync(file, 'utf8'));
  return docs
    .map((doc) => {
      if (doc.errors.length > 0) throw new Error(`${file}: ${doc.errors.map((e) => e.message).join('; ')}`);
      return doc.toJS() as unknown;
    })
    .filter((value) => value !== null && value !== undefined);
}

function readKustomization(dir: string): Record<string, unknown> {
  const file = ['kustomization.yaml', 'kustomization.yml', 'Kustomization']
    .map((name) => join(dir, name))
    .find((candidate) => existsSync(candidate));
  if (!file) throw new Error(`${dir}: no kustomization.yaml`);
  const [kustomization] = readYamlDocuments(file) as Record<string, unknown>[];
  const unknown = Object.keys(kustomization).filter((field) => !KNOWN_FIELDS.has(field));
  if (unknown.length > 0) throw new Error(`${file}: this reader does not know ${unknown.join(', ')}`);
  return kustomization;
}

/** The objects `kubectl kustomize <dir>` would print, in the order of the resources. */
export function renderKustomization(dirPath: string): Manifest[] {
  const dir = resolve(dirPath);
  const kustomization = readKustomization(dir);
  let objects: Manifest[] = [];
  for (const entry of (kustomization.resources as string[] | undefined) ?? []) {
    const path = resolve(dir, entry);
    if (statSync(path).isDirectory()) objects.push(...renderKustomization(path));
    else objects.push(...(readYamlDocuments(path) as Manifest[]));
  }
  for (const patch of (kustomization.patches as Record<string, unknown>[] | undefined) ?? []) {
    objects = applyPatch(objects, patch, dir);
  }
  const namespace = kustomization.namespace as string | undefined;
  if (namespace !== undefined) {
    for (const object of objects) {
      if (CLUSTER_SCOPED.has(object.kind)) {
        if (object.kind === 'Namespace') object.metadata.name = namespace;
      } else {
        object.metadata.namespace = namespace;
      }
    }
  }
  for (const image of (kustomization.images as Record<string, string>[] | undefined) ?? []) {
    for (const object of objects) setImage(object, image);
  }
  return objects;
}

function applyPatch(objects: Manifest[], patch: Record<string, unknown>, dir: string): Manifest[] {
  const unknown = Object.keys(patch).filter((field) => !['path', 'patch', 'target'].includes(field));
  if (unknown.length > 0) throw new Error(`${dir}: a patch with ${unknown.join(', ')} is not known here`);
  const operations = (
    typeof patch.path === 'string'
      ? readYamlDocuments(resolve(dir, patch.path))[0]
      : parseAllDocuments(String(patch.patch))[0].toJS()
  ) as Operation[];
  if (!Array.isArray(operations)) throw new Error(`${dir}: only JSON 6902 patches are known here`);
  const target = (patch.target ?? {}) as Target;
  const matched = objects.filter((object) => matches(object, target));
  if (matched.length === 0)
    throw new Error(`${dir}: a patch's target ${JSON.stringify(target)} matches nothing`);
  return objects.map((object) =>
    matched.includes(object)
      ? operations.reduce((o, operation) => applyOperation(o, operation), object)
      : object,
  );
}

function matches(object: Manifest, target: Target): boolean {
  const [group, version] = object.apiVersion.includes('/')
    ? object.apiVersion.split('/')
    : ['', object.apiVersion];
  if (target.kind !== undefined && target.kind !== object.kind) return false;
  if (target.name !== undefined && target.name !== object.metadata.name) return false;
  if (target.group !== undefined && target.group !== group) return false;
  if (target.version !== undefined && target.version !== version) return false;
  if (target.labelSelector !== undefined) {
    for (const term of target.labelSelector.split(',')) {
      const [key, value] = term.split('=').map((part) => part.trim());
      if (value === undefined) throw new Error(`labelSelector term ${term}: only key=value is known here`);
      if (object.metadata.labels?.[key] !== value) return false;
    }
  }
  return true;
}

/** RFC 6902 on a copy: `add` (with `-` appending to a list), `replace` and `remove`; a missing path throws. */
function applyOperation(object: Manifest, operation: Operation): Manifest {
  const copy = structuredClone(object);
  const keys = operation.path
    .split('/')
    .slice(1)
    .map((key) => key.replace(/~1/g, '/').replace(/~0/g, '~'));
  const last = keys.pop()!;
  let parent: unknown = copy;
  for (const key of keys) {
    const next: unknown = Array.isArray(parent)
      ? parent[Number(key)]
      : (parent as Record<string, unknown>)[key];
    if (next === undefined || next === null) throw new Error(`patch path ${operation.path} does not exist`);
    parent = next;
  }
  if (Array.isArray(parent)) {
    const index = last === '-' ? parent.length : Number(last);
    if (operation.op === 'add') parent.splice(index, 0, operation.value);
    else if (index >= parent.length) throw new Error(`patch path ${operation.path} does not exist`);
    else if (operation.op === 'replace') parent[index] = operation.value;
    else parent.splice(index, 1);
  } else {
    const record = parent as Record<string, unknown>;
    if (operation.op !== 'add' && !(last in record))
      throw new Error(`patch path ${operation.path} does not exist`);
    if (operation.op === 'remove') delete record[last];
    else record[last] = operation.value;
  }
  return copy;
}

/** Kustomize's image transformer: every container and init container whose image is `name`, with any tag. */
function setImage(object: Manifest, image: Record<string, string>): void {
  const podSpec = (object.spec as { template?: { spec?: Record<string, unknown> } } | undefined)?.template
    ?.spec;
  if (!podSpec) return;
  for (const list of ['initContainers', 'containers']) {
    for (const container of (podSpec[list] as { image: string }[] | undefined) ?? []) {
      const [name, tag] = splitImage(container.image);
      if (name !== image.name) continue;
      const newName = image.newName ?? name;
      if (image.digest) container.image = `${newName}@${image.digest}`;
      else container.image = `${newName}${image.newTag ? `:${image.newTag}` : tag ? `:${tag}` : ''}`;
    }
  }
}

function splitImage(image: string): [string, string | undefined] {
  const at = image.indexOf('@');
  if (at >= 0) return [image.slice(0, at), undefined];
  const colon = image.lastIndexOf(':');
  return colon > image.lastIndexOf('/')
    ? [image.slice(0, colon), image.slice(colon + 1)]
    : [image, undefined];
}

/**
 * `kubectl kustomize <dir>`'s objects, or undefined where kubectl is not installed or bundles a Kustomize older than
 * v5 (Debian's kubernetes-client 1.20 has Kustomize 2.0, which does not know `patches`).
 */
export function renderWithKubectl(dir: string): Manifest[] | undefined {
  const kubectl = (args: string[]) =>
    execFileSync('kubectl', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  let version: { kustomizeVersion?: string };
  try {
    version = JSON.parse(kubectl(['version', '--client', '-o', 'json'])) as { kustomizeVersion?: string };
  } catch {
    return undefined; // no kubectl (ENOENT), or one too old for `-o json`
  }
  const major = /^v(\d+)\./.exec(version.kustomizeVersion ?? '')?.[1];
  if (major === undefined || Number(major) < 5) return undefined;
  return parseAllDocuments(kubectl(['kustomize', dir])).map((doc) => doc.toJS() as Manifest);
}

/** A stable order to compare two renderings: kind, namespace, name. */
export function byIdentity(objects: readonly Manifest[]): Manifest[] {
  const key = (o: Manifest) => `${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`;
  return [...objects].sort((a, b) => key(a).localeCompare(key(b)));
}
