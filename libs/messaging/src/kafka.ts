import { Logger } from '@nestjs/common';
import { Kafka, logLevel, LogEntry } from 'kafkajs';
import type { KafkaSecurity } from '@app/platform';

const logger = new Logger('kafkajs');

function logCreator() {
  return ({ level, log }: LogEntry) => {
    const { message, error } = log as { message: string; error?: string };
    const text = error ? `${message}: ${error}` : message;
    if (level === logLevel.ERROR) logger.error(text);
    else if (level === logLevel.WARN) logger.warn(text);
  };
}

/** A service's Kafka client; `security` (KAFKA_SSL, KAFKA_SASL_*) as loadConfig read it. */
export function createKafka(brokers: readonly string[], clientId: string, security?: KafkaSecurity): Kafka {
  return new Kafka({
    clientId,
    brokers: [...brokers],
    ...security,
    logLevel: logLevel.WARN,
    logCreator,
    // Backoff capped at 2 s: after a broker dies its partitions get new leaders within ~10 s, and an
    // uncapped backoff (100 ms doubling) had a send wait ~15 s more before trying again. Fifteen retries
    // keep about the same horizon as the former eight uncapped ones (~23 s) before a send fails.
    retry: { initialRetryTime: 100, maxRetryTime: 2000, retries: 15 },
  });
}
