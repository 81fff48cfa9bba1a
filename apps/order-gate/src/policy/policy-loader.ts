import { readFileSync } from 'fs';
import { Policy, PolicyError, validatePolicy } from './policy';
import defaultTimeline from './policy-timeline.json';

export const POLICY_FILE_VARIABLE = 'ORDER_GATE_POLICY_FILE';

/** The shipped timeline, checked like any other. */
export const DEFAULT_POLICY: Policy = validatePolicy(defaultTimeline, 'policy-timeline.json');

/**
 * The policy the gate runs with: the file named by ORDER_GATE_POLICY_FILE, else the shipped
 * timeline. Read and validated once at start; a bad file stops the service with every problem named.
 */
export function loadPolicy(env: NodeJS.ProcessEnv = process.env): Policy {
  const file = env[POLICY_FILE_VARIABLE]?.trim();
  if (!file) return DEFAULT_POLICY;
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new PolicyError(POLICY_FILE_VARIABLE, [`cannot read the file: ${(error as Error).message}`]);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw new PolicyError(POLICY_FILE_VARIABLE, ['the file is not valid JSON']);
  }
  return validatePolicy(raw, `${POLICY_FILE_VARIABLE}=${file}`);
}
