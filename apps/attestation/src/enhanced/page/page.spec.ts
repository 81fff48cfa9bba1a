import type { AcceptancePageView } from '../enhanced-attestations.service';
import { AcceptanceCsrf, cookieValue } from './csrf';
import { pageLanguageOf } from './messages';
import { renderAcceptancePage, renderUnknown, shownAgreementText, shownTextHash } from './render';

const view = (over: Partial<AcceptancePageView> = {}): AcceptancePageView => ({
  attestationId: '6f1c2d3e-0000-4000-8000-000000000001',
  status: 'Pending',
  companyName: 'Contoso <Ltd> & "Sons"',
  signatoryFirstName: 'Grace',
  signatoryLastName: 'Hopper',
  country: 'US',
  language: 'en-US',
  templateId: '117a77b0-9360-443b-8795-c6dedc750cf9',
  agreementLink: 'https://aka.ms/customeragreement?lang=en-US&country=US',
  expiresAt: '2026-12-05T09:00:00.000Z',
  ...over,
});
const LINK = 'A'.repeat(43);
const OTHER_LINK = 'B'.repeat(43);

describe('the acceptance page, piece by piece (E-02, E-03)', () => {
  it('E-03: the agreement text shown, and so its hash, depends on the attestation only, not on time or link', () => {
    expect(shownTextHash(view())).toBe(shownTextHash(view({ expiresAt: '2027-01-01T00:00:00.000Z' })));
    expect(shownTextHash(view())).toMatch(/^[0-9a-f]{64}$/);
    expect(shownTextHash(view())).not.toBe(shownTextHash(view({ companyName: 'Fabrikam' })));
    expect(shownTextHash(view())).not.toBe(shownTextHash(view({ language: 'ja-JP' })));
    expect(shownAgreementText(view())).toContain('https://aka.ms/customeragreement?lang=en-US&country=US');
  });

  it("E-02: the page is in the attestation's language where it has one, English otherwise", () => {
    expect(['ja', 'ja-JP', 'JA_jp'].map(pageLanguageOf)).toEqual(['ja', 'ja', 'ja']);
    expect(['zh', 'zh-CN', 'zh-Hans-SG'].map(pageLanguageOf)).toEqual(['zh', 'zh', 'zh']);
    expect(['zh-TW', 'zh-Hant-HK', 'fr-FR', '', undefined].map(pageLanguageOf)).toEqual([
      'en',
      'en',
      'en',
      'en',
      'en',
    ]);
  });

  it('E-02: every value is escaped, the form posts to the link and carries its CSRF field as a plain hidden input', () => {
    const html = renderAcceptancePage(view(), { action: LINK, csrf: 'n.sig' });
    expect(html).toContain('Contoso &lt;Ltd&gt; &amp; &quot;Sons&quot;');
    expect(html).not.toContain('<Ltd>');
    expect(html).toContain(`<form method="post" action="${LINK}"`);
    expect(html).toContain('<input type="hidden" name="csrf" value="n.sig">');
    expect(html).not.toContain('<script');
    expect(html.match(/<form\b/g)).toHaveLength(1);
  });

  it('E-08: the unknown-link page names nothing', () => {
    expect(renderUnknown()).not.toContain('Contoso');
  });

  it("E-03: the CSRF field passes only with its cookie's nonce and for its own link", () => {
    const csrf = new AcceptanceCsrf();
    const { nonce, field } = csrf.issue(LINK);
    expect(csrf.verify(LINK, field, nonce)).toBe(true);
    expect(csrf.verify(OTHER_LINK, field, nonce)).toBe(false);
    expect(csrf.verify(LINK, field, csrf.issue(LINK).nonce)).toBe(false);
    expect(csrf.verify(LINK, `${nonce}.forged`, nonce)).toBe(false);
    expect(csrf.verify(LINK, field, undefined)).toBe(false);
    expect(csrf.verify(LINK, ['x'], nonce)).toBe(false);
    expect(new AcceptanceCsrf().verify(LINK, field, nonce)).toBe(false);
  });

  it("E-03: the browser's nonce is kept, so forms in two tabs both post; a key from the environment is shared", () => {
    const key = 'k'.repeat(32);
    const one = new AcceptanceCsrf(key);
    const first = one.issue(LINK);
    const second = one.issue(LINK, first.nonce);
    expect(second.nonce).toBe(first.nonce);
    expect(one.verify(LINK, first.field, second.nonce)).toBe(true);
    expect(one.issue(LINK, 'not a nonce').nonce).not.toBe('not a nonce');
    expect(
      AcceptanceCsrf.fromEnv({ ACCEPTANCE_PAGE_CSRF_KEY: key }).verify(LINK, first.field, first.nonce),
    ).toBe(true);
    expect(cookieValue(`a=1; acceptance_csrf=${first.nonce}; b=2`, 'acceptance_csrf')).toBe(first.nonce);
  });
});
