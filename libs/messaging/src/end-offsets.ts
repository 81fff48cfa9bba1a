import { Logger } from '@nestjs/common';
import { Admin, Kafka } from 'kafkajs';
import { errText } from './outbox-relay';

/** The part of kafkajs's internal Cluster this uses (kafkajs 2.2, its last release). */
interface KafkaCluster {
  connect(): Promise<void>;
  disconnect(): Promise<void>;
  addMultipleTargetTopics(topics: string[]): Promise<void>;
  refreshMetadataIfNecessary(): Promise<void>;
  refreshMetadata(): Promise<void>;
  findTopicPartitionMetadata(topic: string): Array<{ partitionId: number }>;
  fetchTopicsOffset(
    topics: Array<{ topic: string; fromBeginning: boolean; partitions: Array<{ partition: number }> }>,
  ): Promise<Array<{ topic: string; partitions: Array<{ partition: number; offset: string }> }>>;
}

type ClusterFactory = (options: { allowAutoTopicCreation: boolean; metadataMaxAge: number }) => KafkaCluster;

/** Log-start offsets move only by retention: they are refreshed in the background after this long. */
const LOW_MAX_AGE_MS = 60_000;

/**
 * The end offsets of several topics in one ListOffsets request per broker. kafkajs's admin asks
 * per topic, and for each first the end and then the start: on the gate's latency path (G-11) that
 * was two requests in a row for every fact topic. This uses the Cluster that kafkajs's public
 * clients are built on, through the Kafka client's own factory; when that is not there (another
 * kafkajs), or a request fails, it answers through the admin as before.
 *
 * Partitions with nothing in them (end = start) are left out, so nobody waits for them. The start
 * offsets come from a cache refreshed in the background: a partition that retention emptied a
 * moment ago is at worst waited for (bounded by the caller) until the next refresh.
 */
export class EndOffsets {
  private readonly logger = new Logger(EndOffsets.name);
  private readonly createCluster?: ClusterFactory;
  private cluster?: Promise<KafkaCluster>;
  private readonly lows = new Map<string, { at: number; offsets: Map<number, bigint> }>();
  private refreshing?: Promise<void>;

  /** Without `kafka`, every answer comes through the admin. */
  constructor(
    kafka: Kafka | undefined,
    private readonly admin: Admin,
  ) {
    if (!kafka) return;
    const symbol = Object.getOwnPropertySymbols(kafka).find(
      (s) => s.description === 'private:Kafka:createCluster',
    );
    const factory = symbol ? (kafka as unknown as Record<symbol, unknown>)[symbol] : undefined;
    if (typeof factory === 'function') this.createCluster = factory as ClusterFactory;
  }

  /** `topic:partition` → end offset, for the partitions that hold something. */
  async of(topics: readonly string[]): Promise<Map<string, bigint>> {
    if (this.createCluster) {
      try {
        return await this.viaCluster(topics);
      } catch (err) {
        this.logger.warn(`end offsets in one request failed, asking the admin: ${errText(err)}`);
        void this.close();
      }
    }
    return this.viaAdmin(topics);
  }

  async close(): Promise<void> {
    const cluster = this.cluster;
    this.cluster = undefined;
    if (cluster) await cluster.then((c) => c.disconnect()).catch(() => undefined);
  }

  private connected(): Promise<KafkaCluster> {
    if (!this.cluster) {
      const cluster = this.createCluster!({ allowAutoTopicCreation: false, metadataMaxAge: 300_000 });
      this.cluster = cluster.connect().then(() => cluster);
      this.cluster.catch(() => (this.cluster = undefined));
    }
    return this.cluster;
  }

  private async partitionsOf(cluster: KafkaCluster, topics: readonly string[]) {
    await cluster.addMultipleTargetTopics([...topics]);
    await cluster.refreshMetadataIfNecessary();
    return topics.map((topic) => ({
      topic,
      partitions: cluster.findTopicPartitionMetadata(topic).map((p) => ({ partition: p.partitionId })),
    }));
  }

  private async viaCluster(topics: readonly string[]): Promise<Map<string, bigint>> {
    const cluster = await this.connected();
    const layout = await this.partitionsOf(cluster, topics);
    const missing = topics.filter((t) => !this.lows.has(t));
    const [highs] = await Promise.all([
      cluster.fetchTopicsOffset(layout.map((l) => ({ ...l, fromBeginning: false }))),
      missing.length > 0 ? this.refreshLows(cluster, missing) : undefined,
    ]);
    if (topics.some((t) => Date.now() - (this.lows.get(t)?.at ?? 0) > LOW_MAX_AGE_MS) && !this.refreshing) {
      this.refreshing = this.refreshLows(cluster, topics)
        .catch((err) => this.logger.warn(`start offsets not refreshed: ${errText(err)}`))
        .finally(() => (this.refreshing = undefined));
    }
    const targets = new Map<string, bigint>();
    for (const { topic, partitions } of highs) {
      const lows = this.lows.get(topic)?.offsets;
      for (const { partition, offset } of partitions) {
        const high = BigInt(offset);
        if (high > (lows?.get(partition) ?? 0n)) targets.set(`${topic}:${partition}`, high);
      }
    }
    return targets;
  }

  private async refreshLows(cluster: KafkaCluster, topics: readonly string[]): Promise<void> {
    const layout = await this.partitionsOf(cluster, topics);
    const at = Date.now();
    const lows = await cluster.fetchTopicsOffset(layout.map((l) => ({ ...l, fromBeginning: true })));
    for (const { topic, partitions } of lows) {
      this.lows.set(topic, { at, offsets: new Map(partitions.map((p) => [p.partition, BigInt(p.offset)])) });
    }
  }

  private async viaAdmin(topics: readonly string[]): Promise<Map<string, bigint>> {
    const targets = new Map<string, bigint>();
    await Promise.all(
      topics.map(async (topic) => {
        for (const p of await this.admin.fetchTopicOffsets(topic)) {
          if (BigInt(p.high) > BigInt(p.low)) targets.set(`${topic}:${p.partition}`, BigInt(p.high));
        }
      }),
    );
    return targets;
  }
}
