import { execFileSync } from 'child_process';
import { readFileSync } from 'fs';
import { join } from 'path';
import { Admin, ConfigResourceTypes } from 'kafkajs';
import { Topics } from '@app/contracts';
import { kafkaBrokers, REPO_ROOT, testKafka } from '@app/testing';

const TOPICS_JSON = join(REPO_ROOT, 'deploy', 'kafka', 'topics.json');
const FACT_TOPICS = [Topics.AgreementsAcceptance, Topics.AgreementsTemplates, Topics.PartnersRelationships];
const KEEP_FOREVER = { 'retention.ms': '-1', 'retention.bytes': '-1' };

interface TopicDefinition {
  name: string;
  config?: Record<string, string>;
}
const definitions = (JSON.parse(readFileSync(TOPICS_JSON, 'utf8')) as { topics: TopicDefinition[] }).topics;

async function configOf(admin: Admin, topic: string, names: string[]): Promise<Record<string, string>> {
  const { resources } = await admin.describeConfigs({
    includeSynonyms: false,
    resources: [{ type: ConfigResourceTypes.TOPIC, name: topic, configNames: names }],
  });
  return Object.fromEntries(resources[0].configEntries.map((e) => [e.configName, e.configValue]));
}

/* What `npm start` does to a broker that is already up: kafka.sh start, which creates missing topics and
 * sets topics.json's config on existing ones (the same script kafka-init runs under docker compose). */
function startBrokerAsNpmStartDoes(): void {
  if (process.env.KAFKA_BROKERS)
    execFileSync('node', [
      join(REPO_ROOT, 'deploy/local/kafka-admin.js'),
      'create-topics',
      '--brokers',
      kafkaBrokers().join(','),
    ]);
  else execFileSync('bash', [join(REPO_ROOT, 'deploy/local/kafka.sh'), 'start']);
}

describe('S-06: fact topics keep their history', () => {
  const admin = testKafka('s06-retention').admin();

  beforeAll(() => admin.connect());
  afterAll(() => admin.disconnect());

  it('S-06: topics.json keeps every fact topic forever, by time and by size', () => {
    for (const topic of FACT_TOPICS)
      expect(definitions.find((d) => d.name === topic)?.config).toMatchObject(KEEP_FOREVER);
  });

  it("S-06: the broker's topics carry the config of topics.json", async () => {
    for (const { name, config } of definitions.filter((d) => d.config)) {
      expect(await configOf(admin, name, Object.keys(config!))).toEqual(config);
    }
    for (const topic of FACT_TOPICS)
      expect(await configOf(admin, topic, Object.keys(KEEP_FOREVER))).toEqual(KEEP_FOREVER);
  });

  it('S-06: a fact topic whose retention was set back to 7 days gets it unlimited again at the next start', async () => {
    await admin.alterConfigs({
      validateOnly: false,
      resources: [
        {
          type: ConfigResourceTypes.TOPIC,
          name: Topics.AgreementsTemplates,
          configEntries: [{ name: 'retention.ms', value: String(7 * 24 * 3600 * 1000) }],
        },
      ],
    });
    expect((await configOf(admin, Topics.AgreementsTemplates, ['retention.ms']))['retention.ms']).toBe(
      '604800000',
    );

    startBrokerAsNpmStartDoes();

    expect(await configOf(admin, Topics.AgreementsTemplates, Object.keys(KEEP_FOREVER))).toEqual(
      KEEP_FOREVER,
    );
  });
});
