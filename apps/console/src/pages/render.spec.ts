import { join, resolve } from 'path';
import { consoleRoot, formatTime, Renderer } from './render';

const renderer = new Renderer();
const USER = {
  user: { name: 'Ada <Admin>', tenantId: 't', userId: 'u', roles: ['AdminAgent'] },
  csrf: 'c',
  partner: true,
};

describe('the pages’ templates', () => {
  it('are found from the sources and from a build elsewhere in the repository', () => {
    const repository = resolve(consoleRoot(__dirname), '..', '..');
    expect(consoleRoot(join(repository, '.cache', 'console-build', 'pages'))).toBe(consoleRoot(__dirname));
    expect(consoleRoot(join(repository, 'dist', 'apps', 'console', 'src', 'pages'))).toBe(
      consoleRoot(__dirname),
    );
  });

  it('escape everything a service or a user gave', () => {
    const html = renderer.render('customers', {
      title: 'Customers',
      ...USER,
      filters: { status: '', q: '"><script>alert(1)</script>', query: '' },
      rows: [
        {
          customerTenantId: '<img src=x onerror=alert(1)>',
          relationshipActive: true,
          acceptances: [],
          atRisk: true,
          reason: 'AcceptanceMissing',
          whatToDo: '<b>attest</b>',
        },
      ],
      atRiskCount: 1,
      chart: { reasons: [], days: [] },
      chartDays: 7,
    });
    expect(html).not.toContain('<script>alert(1)');
    expect(html).not.toContain('<img src=x');
    expect(html).not.toContain('<b>attest</b>');
    expect(html).toContain('&lt;b&gt;attest&lt;/b&gt;');
    expect(html).toContain('Ada &lt;Admin&gt;');
  });

  it('put the session’s CSRF token in every form, and show a service’s error as an alert in its words', () => {
    const html = renderer.render('invitations', {
      title: 'Invitations',
      ...USER,
      past: [],
      error: { description: 'Only an AdminAgent may do this.', errorName: 'Forbidden', code: 610003 },
    });
    const forms = html.match(/<form[^>]* method="post"/g) ?? [];
    const fields = html.match(/name="csrf" value="c"/g) ?? [];
    expect(forms.length).toBe(2);
    expect(fields.length).toBe(forms.length);
    expect(html).toMatch(/role="alert"[\s\S]*Only an AdminAgent may do this\.[\s\S]*Forbidden \(610003\)/);
  });

  it('draw the chart from its table, loading chart.js only on the page that has one', () => {
    const withChart = renderer.render('customers', {
      title: 'Customers',
      ...USER,
      chart: { reasons: ['AcceptanceConfirmed'], days: [{ day: '2026-11-28', counts: [2] }] },
      filters: { status: '', q: '', query: '' },
      rows: [],
    });
    expect(withChart).toContain('<script src="/assets/vendor/chart.umd.min.js" defer></script>');
    expect(withChart).toMatch(/<th scope="row">2026-11-28<\/th><td>2<\/td>/);
    const without = renderer.render('invitations', { title: 'Invitations', ...USER, past: [] });
    expect(without).not.toContain('chart.umd');
  });

  it('show times in UTC, and anything else as it came', () => {
    expect(formatTime('2026-11-28T11:26:00Z')).toBe('28 Nov 2026, 11:26 UTC');
    expect(formatTime('soon')).toBe('soon');
    expect(formatTime(undefined)).toBe('');
  });
});
