import { mkdtempSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { DEFAULT_POLICY, loadPolicy } from './policy-loader';
import { PolicyError, validatePolicy } from './policy';

describe('policy timeline as data (T-01..T-07, G-09)', () => {
  it('T-07: the shipped timeline validates and carries an id, the dates and the refresh entry (disabled)', () => {
    expect(DEFAULT_POLICY.id).toBeTruthy();
    expect(DEFAULT_POLICY.enforcementFrom).toEqual({
      Dashboard: '2018-11-07T00:00:00Z',
      Api: '2019-03-22T00:00:00Z',
    });
    expect(DEFAULT_POLICY.reacceptance[0]).toMatchObject({
      acceptedBefore: '2023-04-01T00:00:00Z',
      enabled: false,
    });
  });

  it('T-07: ORDER_GATE_POLICY_FILE replaces the timeline without a code change', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'policy-')), 'p.json');
    writeFileSync(file, JSON.stringify({ ...DEFAULT_POLICY, id: 'custom-1' }));
    expect(loadPolicy({ ORDER_GATE_POLICY_FILE: file }).id).toBe('custom-1');
    expect(loadPolicy({}).id).toBe(DEFAULT_POLICY.id);
  });

  it('refuses a bad policy at start, naming every problem', () => {
    const bad = {
      ...DEFAULT_POLICY,
      id: '',
      enforcementFrom: { Api: 'soon' },
      latestTemplateRequiredFor: ['Nope'],
    };
    expect(() => validatePolicy(bad)).toThrow(PolicyError);
    expect(() => validatePolicy(bad)).toThrow(
      /id must be.*enforcementFrom.Api.*enforcementFrom.Dashboard.*latestTemplateRequiredFor/,
    );
    expect(() => loadPolicy({ ORDER_GATE_POLICY_FILE: '/nonexistent/policy.json' })).toThrow(
      /ORDER_GATE_POLICY_FILE/,
    );
  });
});
