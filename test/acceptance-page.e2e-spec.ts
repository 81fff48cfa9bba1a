import type { QueryResult } from 'pg';
import { Browser, BrowserContext, Page } from 'playwright-core';
import { runSql, sql, table } from '@app/messaging';
import { givenAttestationService, givenRelatedPair } from '../apps/attestation/src/attestation.harness';
import { ATTESTATION_SCHEMA } from '../apps/attestation/src/config';
import {
  cancelEnhanced,
  getEnhanced,
  serviceOf,
  SIGNATORY,
  startBody,
  startEnhanced,
  tokenOf,
} from '../apps/attestation/src/enhanced/enhanced.harness';
import { shownTextHash } from '../apps/attestation/src/enhanced/page/render';
import { launchChromium, screenshot, scrollsSideways, seriousAxeViolations } from './browser.harness';

/*
 * The acceptance page (E-02, E-03, E-05, E-08) in a real browser: headless Chromium against the running
 * attestation service, its own database and the real broker. Links come from POST /v1/attestations/enhanced.
 */
describe('the acceptance page in a browser (E-02, E-03, E-05)', () => {
  const sut = givenAttestationService('acceptance-page');
  const enhanced = table(ATTESTATION_SCHEMA, 'enhanced_attestations');
  const evidence = table(ATTESTATION_SCHEMA, 'enhanced_attestation_evidence');
  let browser: Browser;
  const contexts: BrowserContext[] = [];

  beforeAll(async () => {
    browser = await launchChromium();
  });
  afterEach(async () => {
    await Promise.all(contexts.splice(0).map((c) => c.close()));
  });
  afterAll(async () => {
    await browser?.close();
  });

  async function started(over: Record<string, unknown> = {}) {
    const pair = await givenRelatedPair(sut);
    const res = await startEnhanced(sut, pair.partnerId, startBody(pair.customerTenantId, over));
    expect(res.status).toBe(201);
    const token = tokenOf(res.body.acceptanceUrl);
    return {
      ...pair,
      attestationId: res.body.attestationId as string,
      token,
      link: `${sut.service.url}/acceptance/${token}`,
    };
  }

  async function newPage(options: Parameters<Browser['newContext']>[0] = {}): Promise<Page> {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, ...options });
    contexts.push(context);
    return context.newPage();
  }

  async function fillAndAccept(page: Page, typed = SIGNATORY) {
    await page.getByLabel('First name').fill(typed.firstName);
    await page.getByLabel('Last name').fill(typed.lastName);
    await page.getByLabel('Email').fill(typed.email);
    await page.getByRole('checkbox').check();
    return Promise.all([
      page.waitForNavigation(),
      page.getByRole('button', { name: 'Accept the agreement' }).click(),
    ]);
  }

  const evidenceOf = async (attestationId: string) =>
    (
      await runSql<QueryResult<{ shown_text_hash: string; user_agent: string; typed_email: string }>>(
        sut.pg,
        sql`SELECT shown_text_hash, user_agent, typed_email FROM ${evidence} WHERE attestation_id = ${attestationId}`,
      )
    ).rows;

  it('E-02: the link opens, without login, a page showing the agreement with its document link for the country and language, the company and the signatory; never cached, framed or leaking the link', async () => {
    const { link } = await started({ country: 'DE', language: 'en-GB', companyName: 'Fabrikam GmbH' });
    const page = await newPage();
    const response = await page.goto(link);
    expect(response?.status()).toBe(200);
    const headers = response!.headers();
    expect(headers['cache-control']).toBe('no-store');
    expect(headers['referrer-policy']).toBe('no-referrer');
    expect(headers['x-frame-options']).toBe('DENY');
    expect(headers['content-security-policy']).toContain("default-src 'none'");
    await expect(page.title()).resolves.toBe('Accept the Microsoft Customer Agreement');
    const agreement = page.locator('#agreement');
    await expect(agreement.innerText()).resolves.toContain('Fabrikam GmbH');
    await expect(agreement.innerText()).resolves.toContain(`${SIGNATORY.firstName} ${SIGNATORY.lastName}`);
    const documentLink = agreement.getByRole('link');
    await expect(documentLink.getAttribute('href')).resolves.toBe(
      'https://aka.ms/customeragreement?lang=en-GB&country=DE',
    );
    await expect(documentLink.getAttribute('rel')).resolves.toContain('noreferrer');
    expect(await seriousAxeViolations(page)).toEqual([]);
    await screenshot(page, 'acceptance-page-en-desktop');
  });

  it('E-03: the signatory fills the form and accepts: the confirmation shows, the attestation becomes Accepted with the hash of the text shown, and a second submission records nothing new', async () => {
    const { link, partnerId, attestationId, token } = await started();
    const page = await newPage();
    await page.goto(link);
    const secondTab = await page.context().newPage();
    await secondTab.goto(link);
    const [response] = await fillAndAccept(page);
    expect(response?.status()).toBe(200);
    await expect(page.getByRole('heading', { level: 1 }).innerText()).resolves.toBe(
      'Thank you: the agreement is accepted',
    );
    expect(response!.headers()['cache-control']).toBe('no-store');
    expect(await seriousAxeViolations(page)).toEqual([]);
    await screenshot(page, 'acceptance-confirmation-en');

    const read = await getEnhanced(sut, partnerId, attestationId);
    expect(read.status).toBe(200);
    expect(read.body.status).toBe('Accepted');
    const view = await serviceOf(sut).viewByToken(token);
    const [record] = await evidenceOf(attestationId);
    expect(record.shown_text_hash).toBe(shownTextHash(view!));
    expect(record.user_agent).toContain('Chrome');

    const [again] = await fillAndAccept(secondTab);
    expect(again?.status()).toBe(200);
    await expect(secondTab.getByRole('heading', { level: 1 }).innerText()).resolves.toBe(
      'This agreement has already been accepted',
    );
    const reopened = await page.goto(link);
    expect(reopened?.status()).toBe(200);
    await expect(page.locator('form').count()).resolves.toBe(0);
    await expect(page.locator('main').innerText()).resolves.toContain(
      `${SIGNATORY.firstName} ${SIGNATORY.lastName}`,
    );
    expect(await evidenceOf(attestationId)).toHaveLength(1);
  });

  it('E-03: names or email other than the signatory, or no tick, answer 422 with the page again, an error summary and each error next to its field; nothing is recorded', async () => {
    const { link, attestationId } = await started();
    const page = await newPage();
    await page.goto(link);
    await page.getByLabel('First name').fill('Someone');
    await page.getByLabel('Last name').fill(SIGNATORY.lastName);
    await page.getByLabel('Email').fill(SIGNATORY.email);
    const [response] = await Promise.all([page.waitForNavigation(), page.getByRole('button').click()]);
    expect(response?.status()).toBe(422);
    const summary = page.getByRole('alert');
    await expect(summary.innerText()).resolves.toContain(
      'The first name is not the one this page was opened for.',
    );
    await expect(summary.innerText()).resolves.toContain('Tick the box to accept the agreement.');
    await expect(page.locator('#signatoryFirstName').getAttribute('aria-invalid')).resolves.toBe('true');
    await expect(page.locator('#signatoryFirstName-error').innerText()).resolves.toContain('first name');
    await expect(page.locator('#signatoryLastName').inputValue()).resolves.toBe(SIGNATORY.lastName);
    expect(await seriousAxeViolations(page)).toEqual([]);
    await screenshot(page, 'acceptance-errors-en');
    expect(await evidenceOf(attestationId)).toHaveLength(0);
  });

  it('E-03: a form posted without the CSRF token of the page (another site, or a forged field) answers 403 and records nothing', async () => {
    const { link, attestationId } = await started();
    const form = new URLSearchParams({
      signatoryFirstName: SIGNATORY.firstName,
      signatoryLastName: SIGNATORY.lastName,
      signatoryEmail: SIGNATORY.email,
      accept: 'yes',
      csrf: 'AAAAAAAAAAAAAAAAAAAAAA.forged',
    });
    const res = await fetch(link, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        cookie: 'acceptance_csrf=AAAAAAAAAAAAAAAAAAAAAA',
      },
      body: form,
    });
    expect(res.status).toBe(403);
    expect(await res.text()).toContain('Your form could not be checked');
    expect(await evidenceOf(attestationId)).toHaveLength(0);
  });

  it('E-05: an expired link shows a page that says so (410), without the form, and records nothing', async () => {
    const { link, attestationId, token } = await started({ expiresInMinutes: 5 });
    await runSql(
      sut.pg,
      sql`UPDATE ${enhanced} SET expires_at = now() - interval '1 second' WHERE id = ${attestationId}`,
    );
    const page = await newPage();
    const response = await page.goto(link);
    expect(response?.status()).toBe(410);
    await expect(page.getByRole('heading', { level: 1 }).innerText()).resolves.toBe('This link has expired');
    await expect(page.locator('form').count()).resolves.toBe(0);
    expect(await seriousAxeViolations(page)).toEqual([]);
    expect((await serviceOf(sut).viewByToken(token))?.status).toBe('Expired');
    expect(await evidenceOf(attestationId)).toHaveLength(0);
  });

  it('E-05: a cancelled link shows a page that says so (410), and a form opened before the cancellation records nothing', async () => {
    const { link, attestationId, partnerId } = await started();
    const page = await newPage();
    await page.goto(link);
    expect((await cancelEnhanced(sut, partnerId, attestationId)).status).toBe(200);
    const [response] = await fillAndAccept(page);
    expect(response?.status()).toBe(410);
    await expect(page.getByRole('heading', { level: 1 }).innerText()).resolves.toBe(
      'This link has been cancelled',
    );
    expect(await evidenceOf(attestationId)).toHaveLength(0);
  });

  it('E-08: an unknown link answers 404 with a page that names nothing', async () => {
    const { link } = await started({ companyName: 'Northwind Traders' });
    const page = await newPage();
    const response = await page.goto(`${link.slice(0, -4)}AAAA`);
    expect(response?.status()).toBe(404);
    const text = await page.locator('body').innerText();
    expect(text).toContain('This link is not valid');
    expect(text).not.toContain('Northwind');
    expect(text).not.toContain(SIGNATORY.lastName);
  });

  it('E-02: on a 375-pixel-wide phone screen the page, in English and in Japanese, has no horizontal scroll', async () => {
    const en = await started({ companyName: 'Contoso Pharmaceuticals International Holdings Ltd' });
    const ja = await started({ country: 'JP', language: 'ja-JP', companyName: '株式会社コントソ' });
    for (const [{ link }, name] of [
      [en, 'acceptance-page-en-375'],
      [ja, 'acceptance-page-ja-375'],
    ] as const) {
      const page = await newPage({
        viewport: { width: 375, height: 812 },
        isMobile: true,
        hasTouch: true,
        deviceScaleFactor: 2,
      });
      await page.goto(link);
      expect(await scrollsSideways(page)).toBe(false);
      await screenshot(page, name);
    }
  });

  it("E-02: the page is in the attestation's language (Japanese, Simplified Chinese), English otherwise", async () => {
    const cases = [
      { language: 'ja-JP', country: 'JP', lang: 'ja', heading: 'マイクロソフト顧客契約への同意' },
      { language: 'zh-CN', country: 'CN', lang: 'zh-Hans', heading: '接受 Microsoft 客户协议' },
      { language: 'fr-FR', country: 'FR', lang: 'en', heading: 'Accept the Microsoft Customer Agreement' },
    ];
    for (const c of cases) {
      const { link } = await started({ language: c.language, country: c.country });
      const page = await newPage();
      await page.goto(link);
      await expect(page.locator('html').getAttribute('lang')).resolves.toBe(c.lang);
      await expect(page.getByRole('heading', { level: 1 }).innerText()).resolves.toBe(c.heading);
      if (c.lang === 'ja') {
        expect(await seriousAxeViolations(page)).toEqual([]);
        await screenshot(page, 'acceptance-page-ja-desktop');
      }
    }
  });

  it('E-02: with JavaScript disabled, using the keyboard only, the signatory accepts through the form', async () => {
    const { link, partnerId, attestationId } = await started();
    const page = await newPage({ javaScriptEnabled: false });
    await page.goto(link);
    await page.locator('#signatoryFirstName').focus();
    await page.keyboard.type(SIGNATORY.firstName);
    await page.keyboard.press('Tab');
    await page.keyboard.type(SIGNATORY.lastName);
    await page.keyboard.press('Tab');
    await page.keyboard.type(SIGNATORY.email);
    await page.keyboard.press('Tab');
    await page.keyboard.press('Space');
    await page.keyboard.press('Tab');
    const [response] = await Promise.all([page.waitForNavigation(), page.keyboard.press('Enter')]);
    expect(response?.status()).toBe(200);
    await expect(page.getByRole('heading', { level: 1 }).innerText()).resolves.toBe(
      'Thank you: the agreement is accepted',
    );
    expect((await getEnhanced(sut, partnerId, attestationId)).body.status).toBe('Accepted');
  });
});
