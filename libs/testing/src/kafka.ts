import { randomUUID } from 'crypto';
import { Consumer, IHeaders, Kafka, logLevel, Producer } from 'kafkajs';
import { kafkaSecurityFromEnv } from '@app/platform/config';
import { kafkaBrokers } from './infra';

export interface RecordedMessage {
  topic: string;
  partition: number;
  offset: string;
  key: string | null;
  value: string | null;
  headers: Record<string, string>;
  json?: any;
}

export function testKafka(clientId = 'tests'): Kafka {
  return new Kafka({
    clientId,
    brokers: kafkaBrokers(),
    logLevel: logLevel.ERROR,
    ...kafkaSecurityFromEnv(),
  });
}

function headersToStrings(headers: IHeaders | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers ?? {})) {
    if (v !== undefined) out[k] = Array.isArray(v) ? v.map(String).join(',') : String(v);
  }
  return out;
}

/**
 * Records everything that reaches the given topics from the moment it is started, through a
 * throw-away consumer group placed at the topics' end before it joins.
 */
export class TopicRecorder {
  readonly messages: RecordedMessage[] = [];
  private consumer?: Consumer;

  constructor(
    private readonly kafka: Kafka,
    private readonly topics: string[],
  ) {}

  async start(): Promise<this> {
    const groupId = `test-recorder-${randomUUID()}`;
    const admin = this.kafka.admin();
    await admin.connect();
    try {
      for (const topic of this.topics) {
        const ends = await admin.fetchTopicOffsets(topic);
        await admin.setOffsets({
          groupId,
          topic,
          partitions: ends.map((e) => ({ partition: e.partition, offset: e.high })),
        });
      }
    } finally {
      await admin.disconnect();
    }
    this.consumer = this.kafka.consumer({ groupId, maxWaitTimeInMs: 50 });
    await this.consumer.connect();
    await this.consumer.subscribe({ topics: this.topics });
    let joined = false;
    this.consumer.on(this.consumer.events.GROUP_JOIN, () => (joined = true));
    await this.consumer.run({
      eachMessage: async ({ topic, partition, message }) => {
        const value = message.value ? message.value.toString('utf8') : null;
        let json: unknown;
        try {
          json = value ? JSON.parse(value) : undefined;
        } catch {
          json = undefined;
        }
        this.messages.push({
          topic,
          partition,
          offset: message.offset,
          key: message.key ? message.key.toString('utf8') : null,
          value,
          headers: headersToStrings(message.headers),
          json,
        });
      },
    });
    const deadline = Date.now() + 30000;
    while (!joined) {
      if (Date.now() > deadline) throw new Error('test recorder did not join its group');
      await new Promise((r) => setTimeout(r, 20));
    }
    return this;
  }

  on(topic: string): RecordedMessage[] {
    return this.messages.filter((m) => m.topic === topic);
  }

  async stop(): Promise<void> {
    await this.consumer?.disconnect();
  }
}

export async function connectedProducer(kafka: Kafka): Promise<Producer> {
  const producer = kafka.producer({ allowAutoTopicCreation: false });
  await producer.connect();
  return producer;
}
