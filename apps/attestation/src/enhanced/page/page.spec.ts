import type { AcceptancePageView } from '../enhanced-attestations.service';
import { AcceptanceCsrf } from './csrf';
import { pageLanguageOf } from './messages';
import { renderAcceptancePage } from './render';

/* What render.spec.ts does not cover: the form's shape for scripts, Traditional Chinese, the CSRF nonce across tabs. */
const view: AcceptancePageView = {
  attestationId: '6f1c2d3e-0000-4000-8000-000000000001',
  status: 'Pending',
  companyName: 'Contoso Ltd',
  signatoryFirstName: 'Grace',
  signatoryLastName: 'Hopper',
  country: 'US',
  language: 'en-US',
  templateId: '117a77b0-9360-443b-8795-c6dedc750cf9',
  agreementLink: 'https://aka.ms/customeragreement?lang=en-US&country=US',
  expiresAt: '2026-12-05T09:00:00.000Z',
};
const LINK = 'A'.repeat(43);

describe('the acceptance page, piece by piece (E-02, E-03)', () => {
  it('E-02: one form, posting to the link, with its CSRF field as a plain hidden input', () => {
    const html = renderAcceptancePage(view, { action: LINK, csrf: 'n.sig' });
    expect(html).toContain(`<form method="post" action="${LINK}"`);
    expect(html).toContain('<input type="hidden" name="csrf" value="n.sig">');
    expect(html.match(/<form\b/g)).toHaveLength(1);
  });

  it('E-02: Chinese in Traditional characters gets English, as the page has Simplified Chinese only', () => {
    expect(['zh', 'zh-SG', 'zh-Hans-SG', 'ZH_cn'].map(pageLanguageOf)).toEqual(['zh', 'zh', 'zh', 'zh']);
    expect(['zh-TW', 'zh-HK', 'zh-MO', 'zh-Hant-HK', 'zh_tw'].map(pageLanguageOf)).toEqual([
      'en',
      'en',
      'en',
      'en',
      'en',
    ]);
  });

  it("E-03: the browser's nonce is kept, so forms in two tabs both post; a key from the environment is shared", () => {
    const key = 'k'.repeat(32);
    const csrf = new AcceptanceCsrf(key);
    const first = csrf.issue(LINK);
    const second = csrf.issue(LINK, first.nonce);
    expect(second.nonce).toBe(first.nonce);
    expect(csrf.verify(LINK, first.field, second.nonce)).toBe(true);
    expect(csrf.issue(LINK, 'not a nonce').nonce).not.toBe('not a nonce');
    expect(csrf.verify(LINK, ['x'], first.nonce)).toBe(false);
    const fromEnv = AcceptanceCsrf.fromEnv({ ACCEPTANCE_PAGE_CSRF_KEY: key });
    expect(fromEnv.verify(LINK, first.field, first.nonce)).toBe(true);
    expect(AcceptanceCsrf.fromEnv({}).verify(LINK, first.field, first.nonce)).toBe(false);
  });
});
