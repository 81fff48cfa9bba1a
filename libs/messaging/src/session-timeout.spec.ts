import { ConfigError } from '@app/platform';
import { sessionTimeoutFrom } from './service-infrastructure.module';

describe('KAFKA_SESSION_TIMEOUT_MS', () => {
  it('is absent by default: the consumers keep kafkajs-compatible 30 s', () => {
    expect(sessionTimeoutFrom({})).toBeUndefined();
    expect(sessionTimeoutFrom({ KAFKA_SESSION_TIMEOUT_MS: ' ' })).toBeUndefined();
  });

  it('takes a whole number of milliseconds within the broker bounds', () => {
    expect(sessionTimeoutFrom({ KAFKA_SESSION_TIMEOUT_MS: '10000' })).toBe(10000);
    expect(sessionTimeoutFrom({ KAFKA_SESSION_TIMEOUT_MS: '6000' })).toBe(6000);
    expect(sessionTimeoutFrom({ KAFKA_SESSION_TIMEOUT_MS: '300000' })).toBe(300000);
  });

  it.each(['5999', '300001', '10s', '-10000', '1e4', '10000.5'])(
    'refuses %s, naming the variable',
    (value) => {
      expect(() => sessionTimeoutFrom({ KAFKA_SESSION_TIMEOUT_MS: value })).toThrow(ConfigError);
      expect(() => sessionTimeoutFrom({ KAFKA_SESSION_TIMEOUT_MS: value })).toThrow(
        'Invalid configuration: KAFKA_SESSION_TIMEOUT_MS must be a whole number of milliseconds between 6000 and 300000',
      );
    },
  );
});
