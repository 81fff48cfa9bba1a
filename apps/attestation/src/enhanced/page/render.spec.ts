import type { AcceptancePageView } from '../enhanced-attestations.service';
import { AcceptanceCsrf, cookieValue } from './csrf';
import { pageLanguageOf } from './messages';
import { renderAcceptancePage, renderUnknown, shownAgreementText, shownTextHash } from './render';

const view = (over: Partial<AcceptancePageView> = {}): AcceptancePageView => ({
  attestationId: '0f8f2c1e-1d6b-4e0b-9a55-7f1f3f1f0a01',
  status: 'Pending',
  companyName: 'Contoso <script>alert(1)</script> & Co',
  signatoryFirstName: 'Grace',
  signatoryLastName: 'Hopper',
  country: 'US',
  language: 'en-US',
  templateId: 'tpl-1',
  agreementLink: 'https://aka.ms/customeragreement?lang=en-US&country=US',
  expiresAt: '2026-12-01T10:00:00.000Z',
  ...over,
});

describe('the acceptance page rendering (E-02, E-03)', () => {
  it('E-02: escapes every value the partner gave, and loads no script', () => {
    const html = renderAcceptancePage(view(), { action: 'tok', csrf: 'n.s' });
    expect(html).not.toContain('<script');
    expect(html).toContain('Contoso &lt;script&gt;alert(1)&lt;/script&gt; &amp; Co');
    expect(html).toContain('href="https://aka.ms/customeragreement?lang=en-US&amp;country=US"');
    expect(html).toContain('<label for="signatoryFirstName">');
    expect(html).toContain('name="accept" value="yes"');
  });

  it('E-03: the shown text, and so its hash, depend on the attestation only: not on the time, the token or the form', () => {
    const text = shownAgreementText(view());
    expect(text).toContain('Microsoft Customer Agreement');
    expect(text).toContain('Grace Hopper');
    expect(shownTextHash(view({ expiresAt: '2027-01-01T00:00:00.000Z' }))).toBe(shownTextHash(view()));
    expect(shownTextHash(view())).toMatch(/^[0-9a-f]{64}$/);
    expect(shownTextHash(view({ language: 'ja-JP' }))).not.toBe(shownTextHash(view()));
    expect(shownTextHash(view({ agreementLink: 'https://example.test/other' }))).not.toBe(
      shownTextHash(view()),
    );
  });

  it("E-02: the page's language is the attestation's (ja, zh), English otherwise", () => {
    expect(['ja-JP', 'zh-CN', 'zh-Hans', 'fr-FR', '', 'en'].map(pageLanguageOf)).toEqual([
      'ja',
      'zh',
      'zh',
      'en',
      'en',
      'en',
    ]);
    expect(renderAcceptancePage(view({ language: 'ja-JP' }), { action: 't', csrf: 'c' })).toContain(
      '<html lang="ja">',
    );
  });

  it('E-08: the unknown page names nothing', () => {
    expect(renderUnknown()).not.toMatch(/Contoso|Grace|tpl-1/);
  });
});

describe('the acceptance form CSRF token', () => {
  const token = 'A'.repeat(43);

  it('passes with the field issued for this link and its cookie nonce, and fails otherwise', () => {
    const csrf = new AcceptanceCsrf('k'.repeat(32));
    const { nonce, field } = csrf.issue(token);
    expect(csrf.verify(token, field, nonce)).toBe(true);
    expect(csrf.verify('B'.repeat(43), field, nonce)).toBe(false);
    expect(csrf.verify(token, field, csrf.issue(token).nonce)).toBe(false);
    expect(csrf.verify(token, field, undefined)).toBe(false);
    expect(csrf.verify(token, `${nonce}.forged`, nonce)).toBe(false);
    expect(new AcceptanceCsrf('other'.repeat(8)).verify(token, field, nonce)).toBe(false);
  });

  it('reads its cookie from a Cookie header', () => {
    expect(cookieValue('a=1; acceptance_csrf=xyz; b=2', 'acceptance_csrf')).toBe('xyz');
    expect(cookieValue(undefined, 'acceptance_csrf')).toBeUndefined();
  });
});
