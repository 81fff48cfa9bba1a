import { ConfigError } from '@app/platform';

/** The gate's PostgreSQL schema: every statement, migrations included, takes it as a parameter. */
export const ORDER_GATE_SCHEMA = 'order_gate';

/** The settings only the order gate has; the platform's (`ServiceConfig`) are read by `loadConfig`. */
export interface GateSettings {
  /**
   * G-11: the longest the gate holds orders whose facts it has not read up to their arrival; past it, it decides
   * on what it has and says so (`factsComplete: false`). ORDER_GATE_FACTS_MAX_WAIT_MS, default 5 minutes.
   */
  readonly factsMaxWaitMs: number;
}

export const DEFAULT_FACTS_MAX_WAIT_MS = 300_000;
const MAX_FACTS_MAX_WAIT_MS = 3_600_000;

type Env = Record<string, string | undefined>;

/** Reads ORDER_GATE_FACTS_MAX_WAIT_MS (0..3600000). A problem names the variable, never its value. */
export function loadGateSettings(env: Env): GateSettings {
  const text = env.ORDER_GATE_FACTS_MAX_WAIT_MS?.trim() || undefined;
  const factsMaxWaitMs = text === undefined ? DEFAULT_FACTS_MAX_WAIT_MS : Number(text);
  if (!/^\d{1,7}$/.test(text ?? '0') || factsMaxWaitMs > MAX_FACTS_MAX_WAIT_MS) {
    throw new ConfigError([
      {
        variable: 'ORDER_GATE_FACTS_MAX_WAIT_MS',
        expected: `must be a whole number of milliseconds between 0 and ${MAX_FACTS_MAX_WAIT_MS}`,
      },
    ]);
  }
  return Object.freeze({ factsMaxWaitMs });
}

export const GATE_SETTINGS = Symbol('GATE_SETTINGS');
