import { spawnSync } from 'child_process';
import { randomUUID } from 'crypto';
import { readFileSync } from 'fs';
import { Browser, BrowserContext, Page } from 'playwright-core';
import request from 'supertest';
import { Producer } from 'kafkajs';
import { buildEnvelope, OrderRequestedV1, Topics } from '@app/contracts';
import { connectedProducer, eventually, testKafka } from '@app/testing';
import type { LocalOidcUserKey } from '@app/testing/local-oidc-provider';
import { launchChromium, screenshot, scrollsSideways, seriousAxeViolations } from './browser.harness';
import { givenConsoleStack } from './console.harness';

/*
 * The console (issue #18) as people use it: headless Chromium signs in at the local OIDC provider as each seeded
 * user and goes through the pages against the real services, broker and database. Screenshots go to
 * docs/images/console-*.png with ACCEPTANCE_SCREENSHOTS=docs/images.
 */
describe('the console in a browser', () => {
  const stack = givenConsoleStack('browser');
  let browser: Browser;
  let producer: Producer;
  const contexts: BrowserContext[] = [];
  /** Partner A's customers: the first is attested in a test, the second stays at risk; and partner B's one. */
  const customers = { a1: '', a2: '', b1: '' };
  const orderId = `console-order-${randomUUID()}`;

  async function createCustomer(user: LocalOidcUserKey, companyName: string): Promise<string> {
    const res = await request(stack().services['reseller-relationship'].url)
      .post('/v1/customers')
      .set('authorization', await stack().tokenOf(user))
      .send({
        companyProfile: { companyName },
        primaryContact: { firstName: 'Pat', lastName: 'Example', email: 'pat@example.com' },
        country: 'US',
      });
    expect(res.status).toBe(201);
    return res.body.id as string;
  }

  beforeAll(async () => {
    browser = await launchChromium();
    producer = await connectedProducer(testKafka('console-e2e'));
    customers.a1 = await createCustomer('partnerAdminA', 'Contoso');
    customers.a2 = await createCustomer('partnerAdminA', 'Fabrikam');
    customers.b1 = await createCustomer('partnerAdminB', 'Northwind');
    // The gate has read both of partner A's customers: both would be blocked at checkout.
    const token = await stack().tokenOf('partnerAdminA');
    await eventually(
      async () => {
        const res = await request(stack().services['order-gate'].url)
          .get('/v1/compliance/at-risk')
          .set('authorization', token);
        const ids = (res.body.items ?? []).map((i: { customerTenantId: string }) => i.customerTenantId);
        expect(ids).toEqual(expect.arrayContaining([customers.a1, customers.a2]));
      },
      { timeoutMs: 60_000, intervalMs: 250 },
    );
  }, 240_000);

  afterEach(async () => {
    await Promise.all(contexts.splice(0).map((c) => c.close()));
  });

  afterAll(async () => {
    await producer?.disconnect();
    await browser?.close();
  });

  async function newPage(width = 1280, height = 900): Promise<Page> {
    const context = await browser.newContext({ viewport: { width, height }, acceptDownloads: true });
    contexts.push(context);
    return context.newPage();
  }

  /** Signs in from the console's start page through the provider's login form, as a person does. */
  async function signIn(user: LocalOidcUserKey, page?: Page): Promise<Page> {
    const p = page ?? (await newPage());
    const seeded = stack().provider.users[user];
    await p.goto(stack().consoleUrl);
    await p.getByRole('link', { name: 'Sign in' }).click();
    await p.getByLabel('User name').fill(seeded.username);
    await p.getByLabel('Password').fill(seeded.password);
    await Promise.all([
      p.waitForURL((url) => url.href.startsWith(stack().consoleUrl) && !url.pathname.startsWith('/auth/')),
      p.getByRole('button', { name: 'Sign in' }).click(),
    ]);
    return p;
  }

  /** A new purchase of partner A for its customer, as the commerce platform requests it. */
  const orderFor = (customerTenantId: string, id: string): OrderRequestedV1 => ({
    orderId: id,
    partnerId: stack().provider.tenants.partnerA,
    customerTenantId,
    kind: 'NewPurchase',
    channel: 'Api',
    requestedAt: new Date().toISOString(),
    lineItems: [{ offerId: 'CFQ7TTC0LH18:0001', quantity: 5 }],
  });

  /** The CSRF field of the page's forms (the sign-out form is on every page). */
  const csrfOf = (page: Page) =>
    page.locator('input[name="csrf"]').first().getAttribute('value').then(String);

  const rowOf = (page: Page, customerTenantId: string) =>
    page.locator(`tr[data-customer="${customerTenantId}"]`);

  it('a partner admin signs in and sees every customer with what the gate would decide, at-risk ones first, with filters, a CSV and a chart', async () => {
    const page = await signIn('partnerAdminA');
    expect(new URL(page.url()).pathname).toBe('/partner/customers');
    await expect(page.getByRole('heading', { level: 1 }).innerText()).resolves.toBe('Customers');
    await expect(page.locator('header').innerText()).resolves.toContain(
      stack().provider.users.partnerAdminA.name,
    );
    for (const id of [customers.a1, customers.a2]) {
      await expect(rowOf(page, id).getAttribute('class')).resolves.toBe('at-risk');
      await expect(rowOf(page, id).innerText()).resolves.toContain('AcceptanceMissing');
    }
    await expect(rowOf(page, customers.b1).count()).resolves.toBe(0);

    await page.getByLabel('Customer id contains').fill(customers.a2.slice(0, 13));
    await page.getByRole('button', { name: 'Filter' }).click();
    await expect(page.locator('#customers tbody tr').count()).resolves.toBe(1);
    await expect(rowOf(page, customers.a2).count()).resolves.toBe(1);

    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('link', { name: 'Download CSV' }).click(),
    ]);
    const csv = readFileSync((await download.path())!, 'utf8');
    expect(csv.split('\r\n')[0]).toBe('customerTenantId,relationship,acceptances,nextOrder,reason,whatToDo');
    expect(csv).toContain(`${customers.a2},Active`);
    expect(csv).not.toContain(customers.a1);

    await page.goto(`${stack().consoleUrl}/partner/customers`);
    await expect(page.locator('#decisions').count()).resolves.toBe(1);
    expect(await seriousAxeViolations(page)).toEqual([]);
    await screenshot(page, 'console-customers-at-risk');
  });

  it('a partner admin attests a customer with the legacy form: the at-risk customer turns green', async () => {
    const page = await signIn('partnerAdminA');
    await page.goto(`${stack().consoleUrl}/partner/customers/${customers.a1}`);
    await expect(page.getByRole('heading', { level: 1 }).innerText()).resolves.toBe('Contoso');
    await expect(page.locator('#next-order').innerText()).resolves.toContain('Blocked');
    await page.getByText('Attest the Customer Agreement (legacy form)').click();
    await page.getByLabel('Contact first name').fill('Pat');
    await page.getByLabel('Contact last name').fill('Example');
    await page.getByLabel('Contact email').fill('pat@example.com');
    await Promise.all([
      page.waitForURL(/\/partner\/customers\//),
      page.getByRole('button', { name: 'Attest' }).click(),
    ]);
    await expect(page.getByRole('status').innerText()).resolves.toBe('The attestation is recorded.');

    await eventually(
      async () => {
        await page.goto(`${stack().consoleUrl}/partner/customers`);
        await expect(rowOf(page, customers.a1).getAttribute('class')).resolves.toBe('ok');
      },
      { timeoutMs: 30_000, intervalMs: 500 },
    );
    await expect(rowOf(page, customers.a1).innerText()).resolves.toContain(
      'MicrosoftCustomerAgreement: attested',
    );
    await expect(rowOf(page, customers.a2).getAttribute('class')).resolves.toBe('at-risk');

    await page.goto(`${stack().consoleUrl}/partner/customers/${customers.a1}`);
    await expect(page.locator('#next-order').innerText()).resolves.toContain('Approved');
    await expect(page.locator('#timeline').innerText()).resolves.toContain('AgreementAttested');
    expect(await seriousAxeViolations(page)).toEqual([]);
    await screenshot(page, 'console-customer');
  });

  it('a partner admin starts an enhanced attestation and gets its link, pre-checks an order, and sees a refusal in the service’s words', async () => {
    const page = await signIn('partnerAdminA');
    await page.goto(`${stack().consoleUrl}/partner/customers/${customers.a2}`);

    await page.getByText('Start an enhanced attestation').click();
    await page.getByLabel('Company name').fill('Fabrikam');
    await page.getByLabel('Signatory first name').fill('Sam');
    await page.getByLabel('Signatory last name').fill('Signer');
    await page.getByLabel('Signatory email').fill('sam@example.com');
    await page.getByRole('button', { name: 'Start and get the link' }).click();
    const link = await page.locator('#acceptance-link').inputValue();
    expect(link).toMatch(/\/acceptance\/[A-Za-z0-9_-]+$/);
    await expect(page.getByRole('button', { name: 'Copy the link' }).first().isVisible()).resolves.toBe(true);
    await expect(page.locator('#enhanced').innerText()).resolves.toContain('Pending');
    expect(await seriousAxeViolations(page)).toEqual([]);
    await screenshot(page, 'console-enhanced-link');

    await page.getByText('Pre-check an order').click();
    await page.getByRole('button', { name: 'Pre-check' }).click();
    await expect(page.locator('#precheck-result').innerText()).resolves.toContain('blocked');

    await page.getByText('Withdraw an attestation').click();
    await page.getByLabel('Reason').fill('Entered by mistake');
    const [withdrawn] = await Promise.all([
      page.waitForResponse((r) => r.url().endsWith('/withdraw')),
      page.getByRole('button', { name: 'Withdraw' }).click(),
    ]);
    expect(withdrawn.status()).toBeGreaterThanOrEqual(400);
    const alert = await page.getByRole('alert').innerText();
    expect(alert.length).toBeGreaterThan(30);
    expect(alert).not.toContain('refused the request (');
  });

  it('a partner admin creates a relationship invitation and copies its link', async () => {
    const page = await signIn('partnerAdminA');
    await page.getByRole('link', { name: 'Invitations' }).click();
    await page.getByRole('button', { name: 'Create an invitation' }).click();
    await expect(page.locator('#invitation-link').inputValue()).resolves.toMatch(/^https?:\/\//);
    await eventually(
      async () => {
        await page.goto(`${stack().consoleUrl}/partner/invitations`);
        await expect(page.locator('#invitations tbody tr').count()).resolves.toBeGreaterThan(0);
      },
      { timeoutMs: 30_000, intervalMs: 500 },
    );
    expect(await seriousAxeViolations(page)).toEqual([]);
    await screenshot(page, 'console-invitations');
  });

  it('a sales agent sees the customers, and is told in the service’s words that only an admin may invite', async () => {
    const page = await signIn('salesAgentA');
    await expect(rowOf(page, customers.a2).count()).resolves.toBe(1);
    await page.goto(`${stack().consoleUrl}/partner/invitations`);
    const [created] = await Promise.all([
      page.waitForResponse((r) => r.request().method() === 'POST'),
      page.getByRole('button', { name: 'Create an invitation' }).click(),
    ]);
    expect(created.status()).toBe(403);
    await expect(page.getByRole('alert').innerText()).resolves.toMatch(/role/i);
  });

  it('a partner sees only its own data, whatever it types in the address bar', async () => {
    const partnerB = await signIn('partnerAdminB');
    await expect(rowOf(partnerB, customers.b1).count()).resolves.toBe(1);
    await expect(partnerB.locator('#customers tbody tr').count()).resolves.toBe(1);

    const page = await signIn('partnerAdminA');
    const other = await page.goto(`${stack().consoleUrl}/partner/customers/${customers.b1}`);
    expect(other?.status()).toBe(404);
    await expect(page.getByRole('heading', { level: 1 }).innerText()).resolves.toBe(
      'Not one of your customers',
    );
    await expect(page.locator('#timeline, #next-order, #enhanced').count()).resolves.toBe(0);
    const precheck = await page
      .context()
      .request.post(`${stack().consoleUrl}/partner/customers/${customers.b1}/precheck`, {
        form: { csrf: await csrfOf(page), kind: 'NewPurchase', offerId: 'CFQ7TTC0LH18:0001', quantity: '1' },
      });
    expect(precheck.status()).toBe(404);

    const audit = await page.goto(
      `${stack().consoleUrl}/audit/log?partnerId=${stack().provider.tenants.partnerB}`,
    );
    expect(audit?.status()).toBe(403);
    await expect(page.locator('#events').count()).resolves.toBe(0);
    const packet = await page.goto(`${stack().consoleUrl}/audit/evidence/${customers.b1}/packet.json`);
    expect(packet?.status()).toBe(403);

    const csv = await page
      .context()
      .request.get(`${stack().consoleUrl}/partner/customers.csv?q=${customers.b1}`);
    expect(csv.status()).toBe(200);
    expect(await csv.text()).not.toContain(customers.b1);

    const forged = await page
      .context()
      .request.post(`${stack().consoleUrl}/partner/customers/${customers.a2}/attest`, {
        form: {
          csrf: 'forged',
          templateId: randomUUID(),
          firstName: 'X',
          lastName: 'Y',
          email: 'x@example.com',
          dateAgreed: '2026-01-01',
        },
      });
    expect(forged.status()).toBe(403);
  });

  it('an auditor finds why an order was decided, verifies the chain, and downloads the customer’s evidence packet', async () => {
    const order = orderFor(customers.a1, orderId);
    await producer.send({
      topic: Topics.OrdersRequested,
      messages: [
        {
          key: customers.a1,
          value: JSON.stringify(buildEnvelope('OrderRequested', order, { producer: 'commerce-platform' })),
        },
      ],
    });

    const page = await signIn('auditor');
    expect(new URL(page.url()).pathname).toBe('/audit/log');
    await eventually(
      async () => {
        await page.goto(`${stack().consoleUrl}/audit/log`);
        await page.getByLabel('Order id').fill(orderId);
        await page.getByRole('button', { name: 'Search' }).click();
        await expect(page.locator('#events').innerText()).resolves.toContain('OrderApproved');
      },
      { timeoutMs: 60_000, intervalMs: 1000 },
    );
    await page
      .getByText(/^Envelope of event/)
      .first()
      .click();
    await expect(page.locator('#events pre').first().innerText()).resolves.toContain(orderId);
    await page.getByRole('button', { name: 'Verify the chain' }).click();
    await expect(page.locator('#chain').innerText()).resolves.toContain('Intact');
    expect(await seriousAxeViolations(page)).toEqual([]);
    await screenshot(page, 'console-log');

    const [csvDownload] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('link', { name: 'Export CSV' }).click(),
    ]);
    expect(readFileSync((await csvDownload.path())!, 'utf8')).toContain(orderId);

    await page.locator('#events').getByRole('link', { name: orderId }).first().click();
    await expect(page.locator('#why-reason').innerText()).resolves.toBe('AcceptanceConfirmed');
    await expect(page.locator('#why-policy').innerText()).resolves.not.toBe('');
    await expect(page.locator('#why-fact').innerText()).resolves.toContain('AgreementAttested');
    expect(await seriousAxeViolations(page)).toEqual([]);
    await screenshot(page, 'console-order');

    await page.getByRole('link', { name: 'Evidence packet of this customer' }).click();
    await expect(page.locator('#timeline').innerText()).resolves.toContain('OrderApproved');
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('link', { name: 'Download the evidence packet' }).click(),
    ]);
    const packet = JSON.parse(readFileSync((await download.path())!, 'utf8'));
    expect(packet.customerTenantId).toBe(customers.a1);
    expect(JSON.stringify(packet.decisions)).toContain(orderId);
    expect(await seriousAxeViolations(page)).toEqual([]);
    await screenshot(page, 'console-evidence');
  });

  it('after that order, the partner’s chart of decisions by reason shows it, drawn by chart.js beside its table', async () => {
    const page = await signIn('partnerAdminA');
    await eventually(
      async () => {
        await page.goto(`${stack().consoleUrl}/partner/customers`);
        await expect(page.locator('#decisions thead').innerText()).resolves.toContain('AcceptanceConfirmed');
      },
      { timeoutMs: 30_000, intervalMs: 500 },
    );
    const today = new Date().toISOString().slice(0, 10);
    await expect(page.locator('#decisions tbody tr').last().innerText()).resolves.toMatch(
      new RegExp(`^${today}\\s+1`),
    );
    await expect(page.locator('#decisions-chart-box').isVisible()).resolves.toBe(true);
    await expect(page.evaluate('typeof window.Chart')).resolves.toBe('function');
    await expect(page.evaluate("!!window.Chart.getChart('decisions-chart')")).resolves.toBe(true);
    expect(await seriousAxeViolations(page)).toEqual([]);
    await screenshot(page, 'console-customers');
  });

  it('an auditor pages through the whole log by keyset, reads the audit service’s words for an unknown order, and has no partner pages', async () => {
    // Enough events for more than one page of 50, whatever else the log holds: 30 orders and their decisions.
    await producer.send({
      topic: Topics.OrdersRequested,
      messages: Array.from({ length: 30 }, () => ({
        key: customers.a2,
        value: JSON.stringify(
          buildEnvelope('OrderRequested', orderFor(customers.a2, `console-paging-${randomUUID()}`), {
            producer: 'commerce-platform',
          }),
        ),
      })),
    });
    const page = await signIn('auditor');
    await eventually(
      async () => {
        await page.goto(`${stack().consoleUrl}/audit/log`);
        await expect(page.getByRole('link', { name: 'Next page' }).count()).resolves.toBe(1);
      },
      { timeoutMs: 60_000, intervalMs: 1000 },
    );
    const sequences = async () =>
      Promise.all(
        (await page.locator('#events tbody tr').all()).map(async (row) =>
          Number(await row.getAttribute('data-sequence')),
        ),
      );
    const first = await sequences();
    expect(first.length).toBe(50);
    await page.getByRole('link', { name: 'Next page' }).click();
    const second = await sequences();
    expect(second.length).toBeGreaterThan(0);
    expect(Math.min(...second)).toBeGreaterThan(Math.max(...first));
    await page.getByRole('link', { name: 'First page' }).click();
    await expect(sequences()).resolves.toEqual(first);

    const res = await page.goto(`${stack().consoleUrl}/audit/orders/no-such-order-${randomUUID()}`);
    expect(res?.status()).toBe(404);
    await expect(page.getByRole('alert').innerText()).resolves.toMatch(/order/i);

    const partnerPage = await page.goto(`${stack().consoleUrl}/partner/customers`);
    expect(partnerPage?.status()).toBe(403);
    await expect(page.locator('#customers').count()).resolves.toBe(0);
  });

  it('on a phone the pages fit the screen and have no serious accessibility violations', async () => {
    const page = await signIn('partnerAdminA', await newPage(390, 844));
    expect(await scrollsSideways(page)).toBe(false);
    expect(await seriousAxeViolations(page)).toEqual([]);
    await screenshot(page, 'console-customers-phone');
    await page.goto(`${stack().consoleUrl}/partner/customers/${customers.a1}`);
    expect(await scrollsSideways(page)).toBe(false);
    expect(await seriousAxeViolations(page)).toEqual([]);
    await screenshot(page, 'console-customer-phone');
  });

  it('a signed-in operator admin, whose role has no page here, is told so and gets neither side’s pages', async () => {
    const page = await signIn('operatorAdmin');
    expect(new URL(page.url()).pathname).toBe('/');
    await expect(page.locator('main').innerText()).resolves.toContain('none of your roles (PlatformAdmin)');
    for (const path of ['/partner/customers', '/audit/log']) {
      const res = await page.goto(`${stack().consoleUrl}${path}`);
      expect(res?.status()).toBe(403);
    }
  });

  it('answers its health checks, and refuses to start with a bad environment, naming each variable', async () => {
    await request(stack().consoleUrl).get('/health/live').expect(200);
    const ready = await request(stack().consoleUrl).get('/health/ready').expect(200);
    expect(ready.body).toEqual({ status: 'ok', checks: { issuer: 'ok' } });
    const refused = spawnSync(process.execPath, [stack().consoleProgram], {
      env: { PATH: process.env.PATH, CONSOLE_PORT: 'http', CONSOLE_SESSION_SECRET: 'short-secret' },
      encoding: 'utf8',
    });
    expect(refused.status).toBe(78);
    for (const variable of ['CONSOLE_PORT', 'OIDC_ISSUER_URL', 'OIDC_CLIENT_ID', 'CONSOLE_SESSION_SECRET']) {
      expect(refused.stderr).toContain(variable);
    }
    expect(refused.stderr).not.toContain('short-secret');
  });

  it('serves its pages with a CSP that allows only its own scripts, and signs out', async () => {
    const page = await signIn('partnerAdminA');
    const response = await page.goto(`${stack().consoleUrl}/partner/customers`);
    const headers = response!.headers();
    expect(headers['content-security-policy']).toContain("script-src 'self'");
    expect(headers['content-security-policy']).toContain("frame-ancestors 'none'");
    expect(headers['cache-control']).toBe('no-store');
    const cookies = await page.context().cookies();
    const session = cookies.find((c) => c.name === 'console_session')!;
    expect(session).toMatchObject({ httpOnly: true, sameSite: 'Lax' });
    await page.getByRole('button', { name: 'Sign out' }).click();
    await Promise.all([
      page.waitForURL(`${stack().consoleUrl}/`),
      page.getByRole('button', { name: 'Yes, sign me out' }).click(),
    ]);
    await expect(page.getByRole('link', { name: 'Sign in' }).isVisible()).resolves.toBe(true);
    const after = await page.goto(`${stack().consoleUrl}/partner/customers`);
    expect(new URL(after!.url()).origin).toBe(stack().provider.issuer);
  });
});
