import { readFileSync } from 'fs';
import { join } from 'path';
import {
  ALL_TOPICS,
  DLQ_TOPICS,
  dlqTopicOf,
  TOPIC_CONSUMERS,
  TOPIC_WRITERS,
  type Topic,
} from '@app/contracts';

const ARCHITECTURE_MD = join(__dirname, '..', '..', '..', 'docs', 'architecture.md');

/** `service (consumer)` for every consumer that reads `topic`, in topic-access.json's order. */
function readersOf(topic: string): string[] {
  return Object.entries(TOPIC_CONSUMERS).flatMap(([principal, consumers]) =>
    Object.entries(consumers)
      .filter(([, topics]) => (topics as readonly string[]).includes(topic))
      .map(([consumer]) => `${principal} (\`${consumer}\`)`),
  );
}

/** A `.dlq` topic is written by whoever reads its topic (the secured broker's ACLs grant the same). */
function dlqWritersOf(topic: Topic): string[] {
  return [...new Set(readersOf(topic).map((reader) => reader.split(' ')[0]))];
}

/** The table of docs/architecture.md, rendered from topic-access.json. */
function topicAccessTable(): string {
  const row = (topic: string, writers: readonly string[], readers: readonly string[]) =>
    `| \`${topic}\` | ${writers.join(', ') || '—'} | ${readers.join(', ') || '—'} |`;
  return [
    '| topic | written by: envelope `producer` (for a `.dlq`, who may write it) | read by: service (consumer) |',
    '| --- | --- | --- |',
    ...ALL_TOPICS.map((topic) => row(topic, TOPIC_WRITERS[topic], readersOf(topic))),
    ...ALL_TOPICS.map((topic) => row(dlqTopicOf(topic), dlqWritersOf(topic), readersOf(dlqTopicOf(topic)))),
  ].join('\n');
}

describe('docs/architecture.md tells who writes and reads each topic as topic-access.json does', () => {
  it('holds the table rendered from topic-access.json (copy it from this failure when the file changes)', () => {
    expect(DLQ_TOPICS).toHaveLength(ALL_TOPICS.length);
    const doc = readFileSync(ARCHITECTURE_MD, 'utf8');
    expect(doc).toContain(topicAccessTable());
  });
});
