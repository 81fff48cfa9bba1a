/*
 * docker-compose.yml, read as YAML (no Docker here): every long-running container has a healthcheck, the
 * services' asks their readiness on their own port; the topics are created from deploy/kafka/topics.json as it
 * is, by the same script as the local launcher; the broker creates none by itself; the services get the time
 * to drain on stop that the Kubernetes manifests give them. Pure: it reads files only.
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parse } from 'yaml';
import { PORT_VARIABLES, type ServiceName } from '@app/platform';
import { readYamlDocuments } from './k8s/kustomize';

const REPO = resolve(__dirname, '..');
const SERVICES: readonly ServiceName[] = ['attestation', 'reseller-relationship', 'order-gate', 'audit'];

type ComposeService = {
  image?: string;
  build?: { dockerfile: string; args?: Record<string, string> };
  command?: string[] | string;
  environment?: Record<string, string>;
  healthcheck?: { test: string[] | string; interval?: string; timeout?: string; retries?: number };
  depends_on?: Record<string, { condition: string }>;
  restart?: string;
  stop_grace_period?: string;
};

const compose = parse(readFileSync(join(REPO, 'docker-compose.yml'), 'utf8'), { merge: true }) as {
  services: Record<string, ComposeService>;
};
const services = compose.services;
const seconds = (duration: string): number => {
  const match = /^(\d+)(s|m)$/.exec(duration);
  if (!match) throw new Error(`unexpected duration ${duration}`);
  return Number(match[1]) * (match[2] === 'm' ? 60 : 1);
};

describe('docker-compose.yml', () => {
  it('has the broker, the database, the topic creator and the four services', () => {
    expect(Object.keys(services).sort()).toEqual(['kafka', 'kafka-init', 'postgres', ...SERVICES].sort());
  });

  it('every long-running container has a healthcheck (the one-shot kafka-init completes instead)', () => {
    const withoutHealthcheck = Object.entries(services)
      .filter(([, service]) => service.restart !== 'no')
      .filter(([, service]) => !service.healthcheck)
      .map(([name]) => name);
    expect(withoutHealthcheck).toEqual([]);
    expect(services['kafka-init'].restart).toBe('no');
  });

  it.each(SERVICES)(
    '%s: its healthcheck asks its readiness on its own port, with the image’s node',
    (name) => {
      const service = services[name];
      const port = service.environment?.[PORT_VARIABLES[name].variable];
      expect(port).toBe(String(PORT_VARIABLES[name].defaultPort));
      const test = service.healthcheck!.test as string[];
      // The runtime image is node:24-bookworm-slim: no curl or wget.
      expect(test.slice(0, 3)).toEqual(['CMD', 'node', '-e']);
      expect(test[3]).toContain(`http://127.0.0.1:${port}/health/ready`);
      expect(test[3]).toMatch(/process\.exit\(r\.ok \? 0 : 1\)/);
      expect(service.build?.args?.APP).toBe(name);
      // Started only once the topics exist and the database answers.
      expect(service.depends_on).toEqual({
        'kafka-init': { condition: 'service_completed_successfully' },
        postgres: { condition: 'service_healthy' },
      });
    },
  );

  it.each(SERVICES)(
    '%s: is given as long to stop as in Kubernetes (consumers stop, the outbox drains)',
    (name) => {
      const [deployment] = readYamlDocuments(join(REPO, 'deploy/k8s/base', name, 'deployment.yaml')) as {
        spec: { template: { spec: { terminationGracePeriodSeconds: number } } };
      }[];
      expect(seconds(services[name].stop_grace_period!)).toBe(
        deployment.spec.template.spec.terminationGracePeriodSeconds,
      );
    },
  );

  it('creates the topics of deploy/kafka/topics.json as they are, and the broker creates none by itself', () => {
    const kafkaInit = services['kafka-init'];
    const command = Array.isArray(kafkaInit.command)
      ? kafkaInit.command.join(' ')
      : String(kafkaInit.command);
    expect(command).toContain('node deploy/local/kafka-admin.js create-topics --brokers kafka:9092');
    // No other topics file and no other replication than topics.json's (one broker here).
    expect(command).not.toMatch(/--topics-file|--replication-factor|--min-insync/);
    expect(kafkaInit.depends_on).toEqual({ kafka: { condition: 'service_healthy' } });
    // kafka-admin.js reads deploy/kafka/topics.json by default and sets each topic's "config" (S-06's retention).
    const admin = readFileSync(join(REPO, 'deploy/local/kafka-admin.js'), 'utf8');
    expect(admin).toContain("path.join(REPO_ROOT, 'deploy', 'kafka', 'topics.json')");
    expect(admin).toContain('configEntries: t.configEntries');
    // The image kafka-init runs has both files.
    const dockerfile = readFileSync(join(REPO, 'deploy/docker/Dockerfile'), 'utf8');
    expect(dockerfile).toContain('COPY deploy/kafka ./deploy/kafka');
    expect(dockerfile).toContain('COPY deploy/local/kafka-admin.js ./deploy/local/kafka-admin.js');
    const topics = JSON.parse(readFileSync(join(REPO, 'deploy/kafka/topics.json'), 'utf8')) as {
      topics: { replicationFactor: number }[];
    };
    expect(topics.topics.every((t) => t.replicationFactor === 1)).toBe(true);

    const broker = services.kafka.environment!;
    expect(broker.KAFKA_AUTO_CREATE_TOPICS_ENABLE).toBe('false');
    // Order and .dlq topics expire after the same time as on the Strimzi cluster (deploy/k8s/base/kafka).
    const [kafka] = readYamlDocuments(join(REPO, 'deploy/k8s/base/kafka/kafka.yaml')) as {
      spec: { kafka: { config: Record<string, unknown> } };
    }[];
    expect(Number(broker.KAFKA_LOG_RETENTION_HOURS)).toBe(kafka.spec.kafka.config['log.retention.hours']);
  });
});
