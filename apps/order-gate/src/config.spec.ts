import { ConfigError } from '@app/platform';
import { DEFAULT_FACTS_MAX_WAIT_MS, loadGateSettings } from './config';

describe('order gate settings', () => {
  it('G-11: holds orders for the facts at most 5 minutes by default', () => {
    expect(DEFAULT_FACTS_MAX_WAIT_MS).toBe(300_000);
    expect(loadGateSettings({})).toEqual({ factsMaxWaitMs: DEFAULT_FACTS_MAX_WAIT_MS });
    expect(loadGateSettings({ ORDER_GATE_FACTS_MAX_WAIT_MS: '1500' })).toEqual({ factsMaxWaitMs: 1500 });
  });

  it.each(['-1', '1.5', 'five minutes', '3600001'])(
    'G-11: refuses ORDER_GATE_FACTS_MAX_WAIT_MS=%s, naming the variable and not the value',
    (value) => {
      try {
        loadGateSettings({ ORDER_GATE_FACTS_MAX_WAIT_MS: value });
        throw new Error('accepted');
      } catch (error) {
        expect(error).toBeInstanceOf(ConfigError);
        expect((error as Error).message).toContain('ORDER_GATE_FACTS_MAX_WAIT_MS');
        expect((error as Error).message).not.toContain(value);
      }
    },
  );
});
