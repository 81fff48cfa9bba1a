/*
 * deploy/k8s, rendered overlay by overlay (dev, production) with the in-repo reader of kustomization.yaml
 * (./kustomize.ts) and, where kubectl is installed, compared with `kubectl kustomize`. What must hold: every object
 * validates against the Kubernetes schemas (kubernetes-models, in a child process: ./validate-models.mjs) or, for
 * the Strimzi and CloudNativePG kinds, has what their CRDs require; the topics, users and ACLs are those of
 * deploy/kafka/topics.json, libs/contracts/src/topic-access.json and the code; every service gets the variables
 * it needs and its own config loaders accept them; probes, shutdown, autoscaling and network policies fit the
 * services. Pure: no cluster, broker or database.
 */
import { execFileSync } from 'node:child_process';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { ALL_TOPICS, EVENT_TOPIC, TOPIC_CONSUMERS, TOPIC_WRITERS, Topics } from '@app/contracts';
import type { EventType, Principal, Topic } from '@app/contracts';
import { loadConfig, PORT_VARIABLES, type ServiceName } from '@app/platform';
import { loadAttestationSettings } from '../../apps/attestation/src/config';
import { loadAuditConfig } from '../../apps/audit/src/audit-config';
import { loadGateSettings } from '../../apps/order-gate/src/config';
import { loadRelationshipConfig } from '../../apps/reseller-relationship/src/config';
import { byIdentity, type Manifest, renderKustomization, renderWithKubectl } from './kustomize';

const REPO = resolve(__dirname, '..', '..');
const OVERLAYS = ['dev', 'production'] as const;
type Overlay = (typeof OVERLAYS)[number];
const SERVICES: readonly ServiceName[] = ['attestation', 'reseller-relationship', 'order-gate', 'audit'];
const CONSOLE = 'console';
const APPS = [...SERVICES, CONSOLE];

/** The console is built beside this change (its own app); these are the settings it was specified with. */
const CONSOLE_VARIABLES = [
  'CONSOLE_PORT',
  'ATTESTATION_URL',
  'RESELLER_RELATIONSHIP_URL',
  'ORDER_GATE_URL',
  'AUDIT_URL',
  'OIDC_ISSUER_URL',
  'OIDC_CLIENT_ID',
  'OIDC_CLIENT_SECRET',
  'CONSOLE_SESSION_SECRET',
  'CONSOLE_PUBLIC_URL',
];
const CONSOLE_PORT = 3000;

/** Kinds that come with the operators, by apiVersion. */
const OPERATOR_KINDS: Record<string, readonly string[]> = {
  'kafka.strimzi.io/v1': ['Kafka', 'KafkaNodePool', 'KafkaTopic', 'KafkaUser'],
  'postgresql.cnpg.io/v1': ['Cluster'],
};

const KAFKA_CLUSTER = 'acceptance-gate';
const DB_CLUSTER = 'acceptance-gate-db';

type Container = {
  name: string;
  image: string;
  command?: string[];
  ports?: { name?: string; containerPort: number }[];
  env?: { name: string; value?: string; valueFrom?: { secretKeyRef?: { name: string; key: string } } }[];
  envFrom?: { configMapRef?: { name: string }; secretRef?: { name: string } }[];
  volumeMounts?: { name: string; mountPath: string }[];
  readinessProbe?: Probe;
  livenessProbe?: Probe;
  startupProbe?: Probe;
  lifecycle?: { preStop?: { exec?: { command: string[] }; sleep?: { seconds: number } } };
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
};
type Probe = { httpGet?: { path: string; port: string | number }; timeoutSeconds?: number };
type PodSpec = {
  containers: Container[];
  initContainers?: Container[];
  volumes?: { name: string; secret?: { secretName: string; items?: { key: string; path: string }[] } }[];
  terminationGracePeriodSeconds?: number;
  enableServiceLinks?: boolean;
};
type Deployment = Manifest & {
  spec: {
    replicas?: number;
    selector: { matchLabels: Record<string, string> };
    template: { metadata: { labels: Record<string, string> }; spec: PodSpec };
  };
};

const rendered: Record<Overlay, Manifest[]> = {
  dev: renderKustomization(join(REPO, 'deploy/k8s/overlays/dev')),
  production: renderKustomization(join(REPO, 'deploy/k8s/overlays/production')),
};

function find<T extends Manifest = Manifest>(objects: readonly Manifest[], kind: string, name: string): T {
  const found = objects.filter((o) => o.kind === kind && o.metadata.name === name);
  if (found.length !== 1) throw new Error(`expected one ${kind} ${name}, found ${found.length}`);
  return found[0] as T;
}
const all = <T extends Manifest = Manifest>(objects: readonly Manifest[], kind: string): T[] =>
  objects.filter((o) => o.kind === kind) as T[];
const mainContainer = (d: Deployment): Container => {
  const container = d.spec.template.spec.containers.find((c) => c.name === d.metadata.name);
  if (!container) throw new Error(`Deployment ${d.metadata.name} has no container of its name`);
  return container;
};

const topicsJson = JSON.parse(readFileSync(join(REPO, 'deploy/kafka/topics.json'), 'utf8')) as {
  topics: { name: string; partitions: number; config?: Record<string, string> }[];
};
const partitionsOf = (topic: string): number => {
  const found = topicsJson.topics.find((t) => t.name === topic);
  if (!found) throw new Error(`${topic} is not in deploy/kafka/topics.json`);
  return found.partitions;
};

// ---- what the code says each service produces and consumes -------------------------------------------------

/** The non-test TypeScript sources of an app. */
function sourcesOf(app: string): { file: string; text: string }[] {
  const root = join(REPO, 'apps', app, 'src');
  return (readdirSync(root, { recursive: true }) as string[])
    .filter((f) => f.endsWith('.ts') && !/\.(spec|int-spec|e2e-spec|harness|fixtures)\.ts$/.test(f))
    .map((f) => ({ file: join(root, f), text: readFileSync(join(root, f), 'utf8') }));
}

/** The consumer names an app registers (`consumers.register({ name: … })`), constants resolved in its sources. */
function registeredConsumers(app: string): string[] {
  const sources = sourcesOf(app);
  const constant = (name: string): string => {
    for (const { text } of sources) {
      const match = new RegExp(`export const ${name} = '([^']+)'`).exec(text);
      if (match) return match[1];
    }
    throw new Error(`${app}: cannot resolve the consumer name ${name}`);
  };
  const names: string[] = [];
  for (const { text } of sources) {
    for (const match of text.matchAll(/\.register\(\{\s*name:\s*(?:'([^']+)'|([A-Z_][A-Z0-9_]*))/g)) {
      names.push(match[1] ?? constant(match[2]));
    }
  }
  return names.sort();
}

/** The topics an app's code writes events to: `topic: Topics.X`, and the event types it builds envelopes of. */
function producedTopics(app: string): Topic[] {
  const topics = new Set<Topic>();
  for (const { text } of sourcesOf(app)) {
    for (const m of text.matchAll(/topic:\s*Topics\.(\w+)/g)) topics.add(Topics[m[1] as keyof typeof Topics]);
    for (const m of text.matchAll(/(?:buildEnvelope|outboxEvent)\(\s*'(\w+)'/g)) {
      topics.add(EVENT_TOPIC[m[1] as EventType]);
    }
  }
  return [...topics].sort();
}

/** The ACLs topic-access.json implies for a principal, as `type|name|patternType|operation`. */
function expectedAcls(principal: Principal, groupPrefix: string): string[] {
  const acls = new Set<string>();
  for (const [topic, writers] of Object.entries(TOPIC_WRITERS)) {
    if ((writers as readonly string[]).includes(principal)) acls.add(`topic|${topic}|literal|Write`);
  }
  const consumers = TOPIC_CONSUMERS[principal] ?? {};
  for (const topics of Object.values(consumers)) {
    for (const topic of topics) {
      acls.add(`topic|${topic}|literal|Read`);
      // What a consumer cannot accept goes to <topic>.dlq (docs/contract.md).
      if (!topic.endsWith('.dlq')) acls.add(`topic|${topic}.dlq|literal|Write`);
    }
  }
  if (Object.keys(consumers).length > 0) acls.add(`group|${groupPrefix}.${principal}.|prefix|Read`);
  return [...acls].sort();
}

type Acl = {
  resource: { type: string; name: string; patternType?: string };
  operations: string[];
  type?: string;
};
type KafkaUser = Manifest & {
  spec: { authentication: { type: string }; authorization: { type: string; acls: Acl[] } };
};
function aclsOf(user: KafkaUser): string[] {
  return user.spec.authorization.acls
    .flatMap((acl) => {
      if (acl.type !== undefined && acl.type !== 'allow') throw new Error('only allow rules are expected');
      return acl.operations.map(
        (op) => `${acl.resource.type}|${acl.resource.name}|${acl.resource.patternType ?? 'literal'}|${op}`,
      );
    })
    .sort();
}

// ---- the environment a container gets -----------------------------------------------------------------------

const rsaPublicKey = generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey.export({
  type: 'spki',
  format: 'pem',
}) as string;
const ed25519PrivateKey = generateKeyPairSync('ed25519').privateKey.export({
  type: 'pkcs8',
  format: 'pem',
}) as string;
const FAKE_CERTIFICATE = `-----BEGIN CERTIFICATE-----\n${randomBytes(600).toString('base64')}\n-----END CERTIFICATE-----\n`;
const text = (n = 48) => randomBytes(n).toString('hex').slice(0, n);

/**
 * Every Secret key the manifests reference, with a value of the kind its creator puts there. A reference to a key
 * not listed here fails the spec: list it here and in docs/deploying.md ("Secrets") together.
 */
const SECRET_VALUES: Record<string, (namespace: string) => string> = {
  'acceptance-gate-db-app/uri': (ns) =>
    `postgresql://acceptance_gate:${text(24)}@${DB_CLUSTER}-rw.${ns}:5432/acceptance_gate`,
  'acceptance-gate-jwt/public-key': () => rsaPublicKey,
  'acceptance-gate-jwt/secret': () => text(48),
  'acceptance-gate-invitations/signing-secret': () => text(48),
  'acceptance-gate-acceptance-page/csrf-key': () => text(48),
  'acceptance-gate-audit-db/password': () => text(32),
  'acceptance-gate-audit-signing/private-key.pem': () => ed25519PrivateKey,
  'acceptance-gate-cluster-ca-cert/ca.crt': () => FAKE_CERTIFICATE,
  'acceptance-gate-console/oidc-client-secret': () => text(40),
  'acceptance-gate-console/session-secret': () => text(64),
  ...Object.fromEntries(
    [...new Set([...Object.values(TOPIC_WRITERS).flat(), ...Object.keys(TOPIC_CONSUMERS)])].map((p) => [
      `kafka-user-${p}/password`,
      () => text(32),
    ]),
  ),
};
/** The Secrets the operators create (CloudNativePG, Strimzi); the others are the cluster operator's to create. */
const GENERATED_SECRETS = /^(acceptance-gate-db-app|acceptance-gate-cluster-ca-cert|kafka-user-.+)$/;

const fileDir = mkdtempSync(join(tmpdir(), 'k8s-manifests-'));

interface ResolvedEnv {
  env: Record<string, string>;
  /** Variables whose value comes from a Secret, with `secret/key`. */
  fromSecrets: Record<string, string>;
  /** `*_FILE` variables (and KAFKA_SSL_CA_FILE) pointing into a mounted Secret, with `secret/key`. */
  files: Record<string, string>;
}

/** The environment kubelet would give the container: envFrom ConfigMaps, then env, `$(VAR)` expanded. */
function environmentOf(
  objects: readonly Manifest[],
  deployment: Deployment,
  container: Container,
): ResolvedEnv {
  const namespace = deployment.metadata.namespace!;
  const env: Record<string, string> = {};
  const fromSecrets: Record<string, string> = {};
  for (const source of container.envFrom ?? []) {
    if (!source.configMapRef) throw new Error(`${deployment.metadata.name}: envFrom only from ConfigMaps`);
    const configMap = find<Manifest & { data: Record<string, string> }>(
      objects,
      'ConfigMap',
      source.configMapRef.name,
    );
    Object.assign(env, configMap.data);
  }
  for (const variable of container.env ?? []) {
    const ref = variable.valueFrom?.secretKeyRef;
    if (ref) {
      const id = `${ref.name}/${ref.key}`;
      const value = SECRET_VALUES[id];
      if (!value)
        throw new Error(
          `${deployment.metadata.name}: ${variable.name} refers to ${id}, not listed in SECRET_VALUES`,
        );
      env[variable.name] = value(namespace);
      fromSecrets[variable.name] = id;
    } else {
      env[variable.name] = (variable.value ?? '').replace(
        /\$\(([A-Z0-9_]+)\)/g,
        (_, name: string) => env[name] ?? `$(${name})`,
      );
    }
  }
  const files: Record<string, string> = {};
  for (const [name, value] of Object.entries(env)) {
    if (!name.endsWith('_FILE')) continue;
    const mount = (container.volumeMounts ?? []).find((m) => dirname(value) === m.mountPath);
    if (!mount) throw new Error(`${deployment.metadata.name}: ${name}=${value} is on no volume mount`);
    const volume = deployment.spec.template.spec.volumes?.find((v) => v.name === mount.name);
    const item = volume?.secret?.items?.find((i) => i.path === basename(value));
    if (!volume?.secret || !item)
      throw new Error(`${deployment.metadata.name}: ${name} names no key of a mounted Secret`);
    const id = `${volume.secret.secretName}/${item.key}`;
    const content = SECRET_VALUES[id];
    if (!content)
      throw new Error(`${deployment.metadata.name}: ${name} refers to ${id}, not listed in SECRET_VALUES`);
    const local = join(fileDir, `${deployment.metadata.name}-${name}`);
    writeFileSync(local, content(namespace));
    env[name] = local;
    files[name] = id;
  }
  return { env, fromSecrets, files };
}

/** The contract's "Running" variables (docs/contract.md), per service: what every service of the four must get. */
function contractVariables(service: ServiceName): { all: string[]; jwt: string[] } {
  const contract = readFileSync(join(REPO, 'docs/contract.md'), 'utf8');
  const table = contract.split("### The contract's variables")[1].split('\n### ')[0];
  const required: string[] = [];
  const jwt: string[] = [];
  for (const row of table.split('\n').filter((line) => /^\| `/.test(line))) {
    const [, variables, meaning] = row.split('|').map((cell) => cell.trim());
    const names = [...variables.matchAll(/`([A-Z][A-Z0-9_]+)`/g)].map((m) => m[1]);
    const scope =
      /^(?:this project's addition: )?(attestation|reseller-relationship|order-gate|audit)[:,]/.exec(meaning);
    if (scope && scope[1] !== service) continue;
    if (names.some((n) => n.startsWith('JWT_'))) jwt.push(...names);
    else if (names.includes(PORT_VARIABLES[service].variable))
      required.push(PORT_VARIABLES[service].variable);
    else required.push(...names);
  }
  return { all: required, jwt };
}

// ---- the specs -----------------------------------------------------------------------------------------------

describe.each(OVERLAYS)('deploy/k8s/overlays/%s', (overlay) => {
  const objects = rendered[overlay];
  const namespace = find(
    objects,
    'Namespace',
    overlay === 'production' ? 'acceptance-gate' : 'acceptance-gate-dev',
  ).metadata.name;
  const deployments = all<Deployment>(objects, 'Deployment');

  it('renders every resource, the same as kubectl kustomize where kubectl is installed', () => {
    expect(deployments.map((d) => d.metadata.name).sort()).toEqual([...APPS].sort());
    const viaKubectl = renderWithKubectl(join(REPO, 'deploy/k8s/overlays', overlay));
    if (viaKubectl !== undefined) expect(byIdentity(viaKubectl)).toEqual(byIdentity(objects));
  });

  it('every object is a valid Kubernetes object or a Strimzi / CloudNativePG resource, in the namespace', () => {
    const results = JSON.parse(
      execFileSync(process.execPath, [join(__dirname, 'validate-models.mjs')], {
        input: JSON.stringify(objects),
        encoding: 'utf8',
      }),
    ) as { kind: string; name: string; builtIn: boolean; error?: string }[];
    expect(results.filter((r) => r.error)).toEqual([]);
    const unknown = objects.filter(
      (o, i) => !results[i].builtIn && !(OPERATOR_KINDS[o.apiVersion] ?? []).includes(o.kind),
    );
    expect(unknown.map((o) => `${o.apiVersion} ${o.kind}`)).toEqual([]);
    expect(objects.filter((o) => o.kind !== 'Namespace' && o.metadata.namespace !== namespace)).toEqual([]);
  });

  it('the Strimzi and CloudNativePG resources have what their CRDs and operators require', () => {
    // Required by the CRDs of Strimzi 1.x (kafka.strimzi.io/v1) and CloudNativePG 1.x (postgresql.cnpg.io/v1).
    const kafka = find<Manifest & { spec: any }>(objects, 'Kafka', KAFKA_CLUSTER);
    expect(kafka.spec.kafka.listeners.length).toBeGreaterThan(0);
    for (const listener of kafka.spec.kafka.listeners) {
      expect(listener).toEqual(
        expect.objectContaining({
          name: expect.any(String),
          port: expect.any(Number),
          type: expect.any(String),
          tls: expect.any(Boolean),
        }),
      );
    }
    expect(kafka.spec.kafka.authorization).toEqual({ type: 'simple' });
    const pools = all<Manifest & { spec: any }>(objects, 'KafkaNodePool');
    expect(pools).toHaveLength(1);
    const [pool] = pools;
    expect(pool.metadata.labels?.['strimzi.io/cluster']).toBe(KAFKA_CLUSTER);
    expect(pool.spec.replicas).toBe(3);
    expect([...pool.spec.roles].sort()).toEqual(['broker', 'controller']);
    expect(pool.spec.storage.type).toBe('jbod');
    for (const volume of pool.spec.storage.volumes) {
      expect(volume).toEqual(
        expect.objectContaining({
          id: expect.any(Number),
          type: 'persistent-claim',
          size: expect.any(String),
        }),
      );
    }
    expect(
      pool.spec.storage.volumes.filter((v: { kraftMetadata?: string }) => v.kraftMetadata === 'shared'),
    ).toHaveLength(1);
    for (const resource of [...all(objects, 'KafkaTopic'), ...all(objects, 'KafkaUser')]) {
      expect(resource.metadata.labels?.['strimzi.io/cluster']).toBe(KAFKA_CLUSTER);
    }
    for (const user of all<KafkaUser>(objects, 'KafkaUser')) {
      expect(user.spec.authentication.type).toBe('scram-sha-512');
      expect(user.spec.authorization.type).toBe('simple');
      for (const acl of user.spec.authorization.acls) {
        expect(acl.resource.type).toMatch(/^(topic|group)$/);
        expect(acl.operations.length).toBeGreaterThan(0);
      }
    }
    // The listener the services use: TLS, SCRAM-SHA-512, the port of KAFKA_BROKERS.
    const platform = find<Manifest & { data: Record<string, string> }>(
      objects,
      'ConfigMap',
      'acceptance-gate-platform',
    );
    const port = Number(platform.data.KAFKA_BROKERS.split(':')[1]);
    expect(platform.data.KAFKA_BROKERS).toBe(`${KAFKA_CLUSTER}-kafka-bootstrap:${port}`);
    const listener = kafka.spec.kafka.listeners.find((l: { port: number }) => l.port === port);
    expect(listener).toEqual(
      expect.objectContaining({ type: 'internal', tls: true, authentication: { type: 'scram-sha-512' } }),
    );
    expect(platform.data.KAFKA_SASL_MECHANISM).toBe('scram-sha-512');
    expect(kafka.spec.entityOperator.userOperator.secretPrefix).toBe('kafka-user-');

    const db = find<Manifest & { spec: any }>(objects, 'Cluster', DB_CLUSTER);
    expect(db.spec.instances).toBe(overlay === 'production' ? 3 : 1);
    expect(db.spec.storage.size).toEqual(expect.any(String));
    expect(db.spec.bootstrap.initdb).toEqual(
      expect.objectContaining({ database: 'acceptance_gate', owner: 'acceptance_gate' }),
    );
    // The audit's migrations create roles (its runtime role and audit_writer): the owner needs CREATEROLE.
    expect(db.spec.bootstrap.initdb.postInitApplicationSQL).toContain(
      'ALTER ROLE acceptance_gate CREATEROLE',
    );
    // CloudNativePG revokes memberships a managed role's spec does not list: audit_service keeps audit_writer.
    const auditRole = db.spec.managed.roles.find((r: { name: string }) => r.name === 'audit_service');
    expect(auditRole).toEqual(
      expect.objectContaining({
        login: true,
        inRoles: ['audit_writer'],
        passwordSecret: { name: 'acceptance-gate-audit-db' },
      }),
    );
  });

  it.each(APPS)(
    '%s: Deployment, Service, PodDisruptionBudget, HPA; probes on the health paths; no Secret values',
    (app) => {
      const deployment = find<Deployment>(objects, 'Deployment', app);
      const container = mainContainer(deployment);
      const port = app === CONSOLE ? CONSOLE_PORT : PORT_VARIABLES[app as ServiceName].defaultPort;
      expect(container.ports).toEqual([expect.objectContaining({ name: 'http', containerPort: port })]);
      expect(container.readinessProbe?.httpGet).toEqual({ path: '/health/ready', port: 'http' });
      expect(container.livenessProbe?.httpGet).toEqual({ path: '/health/live', port: 'http' });
      expect(container.startupProbe?.httpGet).toEqual({ path: '/health/live', port: 'http' });
      // The readiness checks time out after 2 s each (libs/platform/src/health/readiness.registry.ts).
      expect(container.readinessProbe?.timeoutSeconds).toBeGreaterThan(2);
      expect(container.resources?.requests).toEqual(
        expect.objectContaining({ cpu: expect.any(String), memory: expect.any(String) }),
      );
      expect(container.resources?.limits?.memory).toEqual(expect.any(String));
      // Kubernetes would set <SERVICE>_PORT=tcp://… for each Service: the names of the services' port variables.
      expect(deployment.spec.template.spec.enableServiceLinks).toBe(false);
      // The HPA owns the replica count.
      expect(deployment.spec.replicas).toBeUndefined();

      const labels = deployment.spec.template.metadata.labels;
      const service = find<Manifest & { spec: any }>(objects, 'Service', app);
      expect(Object.entries(service.spec.selector).every(([k, v]) => labels[k] === v)).toBe(true);
      expect(service.spec.ports).toEqual([expect.objectContaining({ port, targetPort: 'http' })]);
      const pdb = find<Manifest & { spec: any }>(objects, 'PodDisruptionBudget', app);
      expect(pdb.spec.selector.matchLabels).toEqual(deployment.spec.selector.matchLabels);
      expect(pdb.spec.maxUnavailable).toBe(1);
      const hpa = find<Manifest & { spec: any }>(objects, 'HorizontalPodAutoscaler', app);
      expect(hpa.spec.scaleTargetRef).toEqual({ apiVersion: 'apps/v1', kind: 'Deployment', name: app });
      expect(hpa.spec.minReplicas).toBeGreaterThanOrEqual(overlay === 'production' ? 2 : 1);
      expect(hpa.spec.maxReplicas).toBeGreaterThanOrEqual(hpa.spec.minReplicas);

      // Secrets only by reference: no Secret objects, and no literal value for anything secret.
      expect(all(objects, 'Secret')).toEqual([]);
      const literalSecrets = (container.env ?? []).filter(
        (v) => /SECRET|PASSWORD|_KEY$|CSRF/.test(v.name) && !v.valueFrom,
      );
      expect(literalSecrets).toEqual([]);
    },
  );

  it('no ConfigMap holds a secret', () => {
    for (const configMap of all<Manifest & { data?: Record<string, string> }>(objects, 'ConfigMap')) {
      const names = Object.keys(configMap.data ?? {}).filter((k) => /SECRET|PASSWORD|_KEY$|CSRF/.test(k));
      expect({ configMap: configMap.metadata.name, names }).toEqual({
        configMap: configMap.metadata.name,
        names: [],
      });
      for (const value of Object.values(configMap.data ?? {}))
        expect(value).not.toMatch(/-----BEGIN|:\/\/[^/@\s]+:[^/@\s]+@/);
    }
  });

  it.each(SERVICES)('%s: stops within its grace period (preStop, then the shutdown hooks)', (service) => {
    const deployment = find<Deployment>(objects, 'Deployment', service);
    const container = mainContainer(deployment);
    const preStop = container.lifecycle?.preStop;
    const preStopSeconds = preStop?.sleep?.seconds ?? Number(preStop?.exec?.command[1]);
    expect(preStop?.exec?.command[0] ?? 'sleep').toBe('sleep');
    expect(preStopSeconds).toBeGreaterThanOrEqual(3);
    // Nest's shutdown hooks (libs/platform/src/bootstrap.ts, enableShutdownHooks) stop the consumers, then drain
    // the outbox (libs/messaging/src/messaging.service.ts): a send retries up to ~23 s (libs/messaging/src/kafka.ts:
    // 15 retries, backoff capped at 2 s), once for the relay's last round and once for the drain.
    const kafkaSource = readFileSync(join(REPO, 'libs/messaging/src/kafka.ts'), 'utf8');
    const retry = /retries:\s*(\d+)/.exec(kafkaSource);
    const cap = /maxRetryTime:\s*(\d+)/.exec(kafkaSource);
    const sendHorizonSeconds = (Number(retry![1]) * Number(cap![1])) / 1000;
    expect(deployment.spec.template.spec.terminationGracePeriodSeconds).toBeGreaterThan(
      preStopSeconds + 2 * Math.min(sendHorizonSeconds, 23) + 5,
    );
  });

  it.each(SERVICES)(
    '%s: migrations run before the service starts (init container, the owner role)',
    (service) => {
      const deployment = find<Deployment>(objects, 'Deployment', service);
      const [migrate, ...others] = deployment.spec.template.spec.initContainers ?? [];
      expect(others).toEqual([]);
      expect(migrate.command).toEqual(['node', 'dist/scripts/migrate.js']);
      expect(migrate.image).toBe(mainContainer(deployment).image);
      const { fromSecrets } = environmentOf(objects, deployment, migrate);
      expect(fromSecrets).toEqual({ DATABASE_URL: 'acceptance-gate-db-app/uri' });
      // scripts/migrate.ts is what the image compiles to dist/scripts/migrate.js (tsconfig.build.json).
      const build = JSON.parse(readFileSync(join(REPO, 'tsconfig.build.json'), 'utf8'));
      expect(build.include).toContain('scripts/**/*.ts');
      const migrateSource = readFileSync(join(REPO, 'scripts/migrate.ts'), 'utf8');
      for (const app of SERVICES) expect(migrateSource).toContain(`apps/${app}/src/`);
    },
  );

  it.each(SERVICES)('%s: has every variable it requires, and its config loaders accept them', (service) => {
    const deployment = find<Deployment>(objects, 'Deployment', service);
    const { env, fromSecrets, files } = environmentOf(objects, deployment, mainContainer(deployment));

    const { all: required, jwt } = contractVariables(service);
    expect(required.filter((v) => !(v in env))).toEqual([]);
    expect(jwt.filter((v) => v in env && v !== 'JWT_ISSUER' && v !== 'JWT_AUDIENCE')).toHaveLength(1);
    for (const secret of ['DATABASE_URL', 'KAFKA_SASL_PASSWORD']) expect(fromSecrets[secret]).toBeDefined();
    expect(files.KAFKA_SSL_CA_FILE).toBe('acceptance-gate-cluster-ca-cert/ca.crt');

    // The platform's loader, as the service runs it (libs/platform/src/config.ts).
    const config = loadConfig(env, { service });
    expect(config.port).toBe(mainContainer(deployment).ports![0].containerPort);
    expect(config.kafkaBrokers).toEqual([`${KAFKA_CLUSTER}-kafka-bootstrap:9093`]);
    expect(config.kafkaSecurity?.ssl).toEqual({ ca: [FAKE_CERTIFICATE] });
    expect(config.kafkaSecurity?.sasl).toEqual(
      expect.objectContaining({ mechanism: 'scram-sha-512', username: service }),
    );
    expect(fromSecrets.KAFKA_SASL_PASSWORD).toBe(`kafka-user-${service}/password`);
    expect(config.databaseUrl).toContain(`@${DB_CLUSTER}-rw.`);
    if (overlay === 'production') {
      // S-03: public keys in production, with issuer and audience; never HS256.
      expect(config.jwt).toEqual(
        expect.objectContaining({
          publicKey: expect.any(String),
          issuer: expect.any(String),
          audience: expect.any(String),
        }),
      );
      expect(config.jwt.secret).toBeUndefined();
    } else {
      expect(config.jwt.secret).toEqual(expect.any(String));
    }

    // Each service's own settings.
    const notLoopback = (url: string) => expect(new URL(url).hostname).not.toMatch(/^(127\.|localhost$)/);
    if (service === 'attestation') {
      notLoopback(loadAttestationSettings(env).publicBaseUrl);
      // Several instances behind one address share the acceptance page's CSRF key.
      expect(fromSecrets.ACCEPTANCE_PAGE_CSRF_KEY).toBe('acceptance-gate-acceptance-page/csrf-key');
    }
    if (service === 'reseller-relationship') {
      notLoopback(loadRelationshipConfig(env).invitationBaseUrl);
      expect(fromSecrets.INVITATION_SIGNING_SECRET).toBe('acceptance-gate-invitations/signing-secret');
    }
    if (service === 'order-gate') expect(loadGateSettings(env).factsMaxWaitMs).toBeGreaterThan(0);
    if (service === 'audit') {
      const audit = loadAuditConfig(env, config);
      const runtime = new URL(audit.runtimeDatabaseUrl);
      expect(runtime.username).toBe('audit_service');
      expect(runtime.password).not.toBe('');
      expect(runtime.hostname).toBe(`${DB_CLUSTER}-rw`);
      expect(files.AUDIT_SIGNING_KEY_FILE).toBe('acceptance-gate-audit-signing/private-key.pem');
    }
  });

  it('console: has every variable it was specified with, pointing at the services', () => {
    const deployment = find<Deployment>(objects, 'Deployment', CONSOLE);
    const { env, fromSecrets } = environmentOf(objects, deployment, mainContainer(deployment));
    expect(CONSOLE_VARIABLES.filter((v) => !env[v])).toEqual([]);
    expect(Object.keys(fromSecrets).sort()).toEqual(['CONSOLE_SESSION_SECRET', 'OIDC_CLIENT_SECRET']);
    expect(Number(env.CONSOLE_PORT)).toBe(CONSOLE_PORT);
    for (const service of SERVICES) {
      const variable = `${service.toUpperCase().replace(/-/g, '_')}_URL`;
      expect(env[variable]).toBe(`http://${service}:${PORT_VARIABLES[service].defaultPort}`);
    }
    expect(new URL(env.CONSOLE_PUBLIC_URL).protocol).toBe('https:');
    expect(new URL(env.OIDC_ISSUER_URL).protocol).toBe('https:');
    // Where the console's code is in the tree, its own loader must accept the environment too.
    const loader = join(REPO, 'apps/console/src/config.ts');
    if (existsSync(loader)) {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const { loadConsoleConfig } = require(loader) as {
        loadConsoleConfig: (env: object) => { port: number };
      };
      expect(loadConsoleConfig(env).port).toBe(CONSOLE_PORT);
    }
    // No database, no Kafka: none of the services' labels or secrets.
    expect(deployment.spec.template.metadata.labels['acceptance-gate/kafka-client']).toBeUndefined();
    expect(deployment.spec.template.spec.initContainers).toBeUndefined();
  });

  it('console: reached only through the ingress controller; it calls the services, DNS and HTTPS', () => {
    const policy = find<Manifest & { spec: any }>(objects, 'NetworkPolicy', CONSOLE);
    expect(policy.spec.ingress).toEqual([
      {
        from: [
          expect.objectContaining({
            podSelector: { matchLabels: { 'app.kubernetes.io/name': 'ingress-nginx' } },
          }),
        ],
        ports: [{ protocol: 'TCP', port: CONSOLE_PORT }],
      },
    ]);
    const toServices = policy.spec.egress[0];
    expect(toServices.ports.map((p: { port: number }) => p.port)).toEqual(
      SERVICES.map((s) => PORT_VARIABLES[s].defaultPort),
    );
    const serviceSelector = toServices.to[0].podSelector.matchLabels as Record<string, string>;
    for (const service of SERVICES) {
      const labels = find<Deployment>(objects, 'Deployment', service).spec.template.metadata.labels;
      expect(Object.entries(serviceSelector).every(([k, v]) => labels[k] === v)).toBe(true);
    }
  });

  it.each(SERVICES)('%s: the HPA never goes past the partitions its consumer groups read', (service) => {
    const hpa = find<Manifest & { spec: { maxReplicas: number } }>(
      objects,
      'HorizontalPodAutoscaler',
      service,
    );
    const consumed = Object.values(TOPIC_CONSUMERS[service as Principal]).flat();
    expect(consumed.length).toBeGreaterThan(0);
    // A topic of P partitions is read by at most P members of a group: past the widest topic, an instance reads
    // nothing more in parallel.
    expect(hpa.spec.maxReplicas).toBeLessThanOrEqual(Math.max(...consumed.map(partitionsOf)));
  });

  it.each(SERVICES)(
    '%s: its NetworkPolicy lets it reach only the brokers, the database and DNS',
    (service) => {
      const policy = find<Manifest & { spec: any }>(objects, 'NetworkPolicy', service);
      const deployment = find<Deployment>(objects, 'Deployment', service);
      expect(policy.spec.podSelector.matchLabels).toEqual(deployment.spec.selector.matchLabels);
      expect([...policy.spec.policyTypes].sort()).toEqual(['Egress', 'Ingress']);
      const egress = policy.spec.egress.map((rule: any) => ({
        to: rule.to.map((peer: any) => peer.podSelector?.matchLabels),
        ports: rule.ports.map((p: any) => `${p.protocol}/${p.port}`),
      }));
      expect(egress).toEqual([
        {
          to: [
            {
              'strimzi.io/cluster': KAFKA_CLUSTER,
              'strimzi.io/kind': 'Kafka',
              'strimzi.io/broker-role': 'true',
            },
          ],
          ports: ['TCP/9093'],
        },
        { to: [{ 'cnpg.io/cluster': DB_CLUSTER }], ports: ['TCP/5432'] },
        { to: [{ 'k8s-app': 'kube-dns' }], ports: ['UDP/53', 'TCP/53'] },
      ]);
      // In: on its own port only, from its HTTP clients, the ingress controller and Prometheus.
      expect(policy.spec.ingress).toHaveLength(1);
      const [ingress] = policy.spec.ingress;
      expect(ingress.ports).toEqual([{ protocol: 'TCP', port: PORT_VARIABLES[service].defaultPort }]);
      const peers = ingress.from.map((peer: any) => peer.podSelector?.matchLabels);
      expect(peers).toEqual([
        { 'acceptance-gate/api-client': 'true' },
        { 'app.kubernetes.io/name': 'ingress-nginx' },
        { 'app.kubernetes.io/name': 'prometheus' },
      ]);
      // The console is a client; the Kafka listener admits the services (Strimzi's networkPolicyPeers).
      expect(
        find<Deployment>(objects, 'Deployment', CONSOLE).spec.template.metadata.labels[
          'acceptance-gate/api-client'
        ],
      ).toBe('true');
      expect(deployment.spec.template.metadata.labels['acceptance-gate/kafka-client']).toBe('true');
      const kafka = find<Manifest & { spec: any }>(objects, 'Kafka', KAFKA_CLUSTER);
      expect(kafka.spec.kafka.listeners[0].networkPolicyPeers).toEqual([
        { podSelector: { matchLabels: { 'acceptance-gate/kafka-client': 'true' } } },
      ]);
      // What the pods are scraped on: the /metrics of the service's port.
      expect(deployment.spec.template.metadata).toEqual(
        expect.objectContaining({
          annotations: {
            'prometheus.io/scrape': 'true',
            'prometheus.io/port': String(PORT_VARIABLES[service].defaultPort),
            'prometheus.io/path': '/metrics',
          },
        }),
      );
    },
  );

  it('every Secret referenced is documented in docs/deploying.md, with its key', () => {
    const doc = readFileSync(join(REPO, 'docs/deploying.md'), 'utf8');
    const referenced = new Set<string>();
    for (const deployment of deployments) {
      const spec = deployment.spec.template.spec;
      for (const container of [...spec.containers, ...(spec.initContainers ?? [])]) {
        for (const v of container.env ?? []) {
          const ref = v.valueFrom?.secretKeyRef;
          if (ref) referenced.add(`${ref.name}/${ref.key}`);
        }
      }
      for (const volume of spec.volumes ?? []) {
        for (const item of volume.secret?.items ?? [])
          referenced.add(`${volume.secret!.secretName}/${item.key}`);
      }
    }
    const db = find<Manifest & { spec: any }>(objects, 'Cluster', DB_CLUSTER);
    for (const role of db.spec.managed.roles) referenced.add(`${role.passwordSecret.name}/password`);
    const undocumented = [...referenced].filter((id) => {
      const [secret, key] = id.split('/');
      const name = GENERATED_SECRETS.test(secret) ? secret.replace(/^kafka-user-.+$/, 'kafka-user-') : secret;
      return !doc.includes(name) || !doc.includes(key);
    });
    expect(undocumented).toEqual([]);
  });
});

describe('deploy/k8s/monitoring', () => {
  it('its PodMonitor scrapes /metrics on the http port of the four services', () => {
    const [monitor] = renderKustomization(join(REPO, 'deploy/k8s/monitoring')) as (Manifest & {
      spec: any;
    })[];
    expect(monitor.kind).toBe('PodMonitor');
    expect(monitor.spec.podMetricsEndpoints).toEqual([
      expect.objectContaining({ port: 'http', path: '/metrics' }),
    ]);
    const selects = (labels: Record<string, string>) =>
      Object.entries(monitor.spec.selector.matchLabels as Record<string, string>).every(
        ([k, v]) => labels[k] === v,
      );
    for (const overlay of OVERLAYS) {
      const selected = all<Deployment>(rendered[overlay], 'Deployment')
        .filter((d) => selects(d.spec.template.metadata.labels))
        .map((d) => d.metadata.name);
      expect(selected.sort()).toEqual([...SERVICES].sort());
    }
  });
});

describe('deploy/k8s: Kafka topics and users', () => {
  const objects = rendered.production;

  it('S-06: the KafkaTopics are deploy/kafka/topics.json at 3 replicas, min.insync.replicas=2; fact topics keep their history', () => {
    type KafkaTopic = Manifest & {
      spec: { topicName: string; partitions: number; replicas: number; config: Record<string, unknown> };
    };
    const topics = all<KafkaTopic>(objects, 'KafkaTopic');
    const asManifests = topics
      .map((t) => ({
        name: t.spec.topicName,
        partitions: t.spec.partitions,
        config: Object.fromEntries(
          Object.entries(t.spec.config)
            .filter(([k]) => k !== 'min.insync.replicas')
            .map(([k, v]) => [k, String(v)]),
        ),
      }))
      .sort((a, b) => a.name.localeCompare(b.name));
    const fromJson = topicsJson.topics
      .map((t) => ({ name: t.name, partitions: t.partitions, config: t.config ?? {} }))
      .sort((a, b) => a.name.localeCompare(b.name));
    expect(asManifests).toEqual(fromJson);
    for (const topic of topics) {
      expect(topic.metadata.name).toBe(topic.spec.topicName);
      expect(topic.spec.replicas).toBe(3);
      expect(String(topic.spec.config['min.insync.replicas'])).toBe('2');
    }
    // docs/contract.md: the fact topics (agreements.*, partners.relationships) keep their history.
    const factTopics = ALL_TOPICS.filter((t) => /^(agreements|partners)\./.test(t));
    expect(factTopics.length).toBeGreaterThan(0);
    for (const fact of factTopics) {
      const topic = topics.find((t) => t.spec.topicName === fact)!;
      expect(String(topic.spec.config['retention.ms'])).toBe('-1');
      expect(String(topic.spec.config['retention.bytes'])).toBe('-1');
    }
    // Every topic the code names, and every .dlq of one, is there.
    const names = topics.map((t) => t.spec.topicName);
    for (const topic of ALL_TOPICS) expect(names).toEqual(expect.arrayContaining([topic, `${topic}.dlq`]));
  });

  it('S-04: the consumers and producers in the code are the ones topic-access.json declares', () => {
    for (const service of SERVICES) {
      expect({ service, consumers: registeredConsumers(service) }).toEqual({
        service,
        consumers: Object.keys(TOPIC_CONSUMERS[service as Principal]).sort(),
      });
      const writes = Object.entries(TOPIC_WRITERS)
        .filter(([, writers]) => (writers as readonly string[]).includes(service))
        .map(([topic]) => topic)
        .sort();
      expect({ service, produces: producedTopics(service) }).toEqual({ service, produces: writes });
    }
  });

  it('S-04: one KafkaUser per principal, allowed exactly what topic-access.json implies', () => {
    const platform = find<Manifest & { data: Record<string, string> }>(
      objects,
      'ConfigMap',
      'acceptance-gate-platform',
    );
    const groupPrefix = platform.data.KAFKA_GROUP_PREFIX;
    const principals = [
      ...new Set([...Object.values(TOPIC_WRITERS).flat(), ...Object.keys(TOPIC_CONSUMERS)]),
    ].sort();
    const users = all<KafkaUser>(objects, 'KafkaUser');
    expect(users.map((u) => u.metadata.name).sort()).toEqual(principals);
    for (const user of users) {
      expect({ user: user.metadata.name, acls: aclsOf(user) }).toEqual({
        user: user.metadata.name,
        acls: expectedAcls(user.metadata.name as Principal, groupPrefix),
      });
    }
    // Every service logs in as its own principal.
    for (const service of SERVICES) {
      const deployment = find<Deployment>(objects, 'Deployment', service);
      const env = mainContainer(deployment).env ?? [];
      expect(env.find((v) => v.name === 'KAFKA_SASL_USERNAME')?.value).toBe(service);
    }
  });
});

afterAll(() => rmSync(fileDir, { recursive: true, force: true }));
