import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/*
 * Some services run with V8 flags (node_flags in scripts/start.sh). The Dockerfile and the benches
 * launch them with their own copy of those flags; a bench that ran a service with other flags than
 * it is deployed with would measure something nobody runs. This keeps the copies equal.
 */
const ROOT = join(__dirname, '..', '..', '..');
const read = (path: string) => readFileSync(join(ROOT, path), 'utf8');
const words = (flags: string) => flags.split(/\s+/).filter(Boolean);

function startScriptFlags(): Map<string, string[]> {
  const line = read('scripts/start.sh')
    .split('\n')
    .find((l) => l.startsWith('declare -A node_flags='));
  if (!line) throw new Error('scripts/start.sh declares no node_flags');
  return new Map([...line.matchAll(/\[([\w-]+)\]="([^"]*)"/g)].map((m) => [m[1], words(m[2])]));
}

function dockerfileFlags(): Map<string, string[]> {
  const cmd = read('deploy/docker/Dockerfile')
    .split('\n')
    .find((l) => l.startsWith('CMD '));
  if (!cmd) throw new Error('the Dockerfile has no CMD');
  const shell = (JSON.parse(cmd.slice(4)) as string[]).at(-1)!;
  const cases = [...shell.matchAll(/([\w*-]+)\) flags=("([^"]*)"|[^ ;]*) ;;/g)];
  return new Map(cases.filter((m) => m[1] !== '*').map((m) => [m[1], words(m[3] ?? m[2])]));
}

function benchFlags(path: string, constant: string): string[] {
  const m = read(path).match(new RegExp(`const ${constant} = \\[([^\\]]*)\\]`));
  if (!m) throw new Error(`${path} has no ${constant}`);
  return [...m[1].matchAll(/'([^']*)'/g)].map((f) => f[1]);
}

describe('V8 flags per service: deployed, started locally and benchmarked alike', () => {
  it('the Dockerfile starts each service with the flags of scripts/start.sh', () => {
    const started = startScriptFlags();
    expect(started.size).toBeGreaterThan(0);
    expect(dockerfileFlags()).toEqual(started);
  });

  it('bench:gate and the audit benches launch their service with those flags', () => {
    const started = startScriptFlags();
    expect(benchFlags('bench/gate.ts', 'GATE_NODE_FLAGS')).toEqual(started.get('order-gate'));
    expect(benchFlags('bench/audit-bench-kit.ts', 'AUDIT_NODE_FLAGS')).toEqual(started.get('audit'));
  });
});
