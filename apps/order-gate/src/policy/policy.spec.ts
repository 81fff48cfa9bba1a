import { mkdtempSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { DEFAULT_POLICY, loadPolicy } from './policy-loader';
import { PolicyError, validatePolicy } from './policy';

describe('policy timeline as data (T-01..T-08, G-09)', () => {
  it('T-07: the shipped timeline validates and carries an id, the dates and the re-acceptance entry (on)', () => {
    expect(DEFAULT_POLICY.id).toBe('csp-acceptance-timeline-2026.2');
    expect(DEFAULT_POLICY.enforcementFrom).toEqual({
      Dashboard: '2018-11-07T00:00:00Z',
      Api: '2019-03-22T00:00:00Z',
    });
    expect(DEFAULT_POLICY.reacceptance[0]).toMatchObject({
      rule: 'T-07',
      agreementTypes: ['MicrosoftCustomerAgreement'],
      kinds: ['NewPurchase', 'SeatChange', 'Upgrade', 'TermChange'],
      acceptedBefore: '2023-04-01T00:00:00Z',
      from: '2025-10-07T00:00:00Z',
      enabled: true,
    });
    // The other date one source gives, and the sources themselves, travel with the entry.
    expect(DEFAULT_POLICY.reacceptance[0].note).toContain('2024-10-07');
    expect(DEFAULT_POLICY.reacceptance[0].sources!.length).toBeGreaterThanOrEqual(3);
    expect(DEFAULT_POLICY.reacceptance[0].sources!.map((s) => s.url).join(' ')).toContain('appdirect');
  });

  it('T-08: the shipped timeline carries the legacy retirement of 2026-01-05, switched off, with its sources', () => {
    expect(DEFAULT_POLICY.legacyRetirement).toEqual([
      expect.objectContaining({ rule: 'T-08', from: '2026-01-05T00:00:00Z', enabled: false }),
    ]);
    expect(DEFAULT_POLICY.legacyRetirement[0].sources!.length).toBeGreaterThan(0);
  });

  it('T-08: a policy file without the retirement list (written before it) still loads, with none', () => {
    const { legacyRetirement: _none, ...older } = DEFAULT_POLICY;
    expect(validatePolicy(older).legacyRetirement).toEqual([]);
    expect(() =>
      validatePolicy({ ...DEFAULT_POLICY, legacyRetirement: [{ id: 'x', enabled: 'yes', from: 'soon' }] }),
    ).toThrow(/legacyRetirement\[0\]\.enabled.*legacyRetirement\[0\]\.from/);
    expect(() =>
      validatePolicy({
        ...DEFAULT_POLICY,
        reacceptance: [{ ...DEFAULT_POLICY.reacceptance[0], kinds: ['Refund'] }],
      }),
    ).toThrow(/reacceptance\[0\]\.kinds/);
  });

  it('T-07, T-08: ORDER_GATE_POLICY_FILE replaces the timeline without a code change', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'policy-')), 'p.json');
    const retirementOn = DEFAULT_POLICY.legacyRetirement.map((e) => ({ ...e, enabled: true }));
    writeFileSync(
      file,
      JSON.stringify({ ...DEFAULT_POLICY, id: 'custom-1', legacyRetirement: retirementOn }),
    );
    expect(loadPolicy({ ORDER_GATE_POLICY_FILE: file }).id).toBe('custom-1');
    expect(loadPolicy({ ORDER_GATE_POLICY_FILE: file }).legacyRetirement[0].enabled).toBe(true);
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
