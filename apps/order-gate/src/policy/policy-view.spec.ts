import { DEFAULT_POLICY } from './policy-loader';
import { describePolicy } from './policy-view';

describe('GET /v1/policy: the timeline as a partner reads it (T-01..T-08)', () => {
  const view = describePolicy(DEFAULT_POLICY, new Date('2025-09-01T00:00:00Z'));
  const entry = (rule: string) => view.entries.filter((e) => e.rule === rule);

  it('names the version and every entry, in date order, with what it does and whether it is on', () => {
    expect(view.policyVersion).toBe(DEFAULT_POLICY.id);
    expect(view.entries.map((e) => e.rule)).toEqual([
      'T-01',
      'T-01',
      'T-02',
      'T-03',
      'T-05',
      'T-06',
      'T-07',
      'T-08',
    ]);
    const froms = view.entries.map((e) => Date.parse(e.from));
    expect(froms).toEqual([...froms].sort((a, b) => a - b));
    for (const e of view.entries) expect(e.does.length).toBeGreaterThan(20);
  });

  it('T-07: the re-acceptance entry is on from 2025-10-07, with its sources and the other date', () => {
    const [t07] = entry('T-07');
    expect(t07).toMatchObject({ from: '2025-10-07T00:00:00Z', enabled: true });
    expect(t07.does).toContain('2023-04-01');
    expect(t07.does).toContain('ReacceptanceRequired');
    expect(t07.note).toContain('2024-10-07');
    expect(t07.sources.length).toBeGreaterThanOrEqual(3);
  });

  it('T-08: the legacy retirement is listed switched off, with its sources', () => {
    const [t08] = entry('T-08');
    expect(t08).toMatchObject({ from: '2026-01-05T00:00:00Z', enabled: false });
    expect(t08.does).toContain('LegacyAttestationRetired');
    expect(t08.does).toContain('POST /v1/attestations/enhanced');
    expect(t08.sources.length).toBeGreaterThan(0);
  });

  it('the next switched-on entry after now: what the at-risk report looks ahead to', () => {
    expect(view.nextEntry).toEqual({ id: entry('T-07')[0].id, rule: 'T-07', from: '2025-10-07T00:00:00Z' });
    expect(describePolicy(DEFAULT_POLICY, new Date('2026-11-01T00:00:00Z')).nextEntry).toBeNull();
    const on = {
      ...DEFAULT_POLICY,
      legacyRetirement: [{ ...DEFAULT_POLICY.legacyRetirement[0], enabled: true }],
    };
    expect(describePolicy(on, new Date('2025-11-01T00:00:00Z')).nextEntry?.rule).toBe('T-08');
  });
});
