/**
 * The demo's enhanced attestation (E-01..E-04, G-15): the partner opens an attestation for a customer, the
 * customer's signatory accepts on the page (this script fills the page's form as a browser would: it reads the
 * form's hidden fields and cookie from the HTML, then posts it), the partner finalizes, and an order passes.
 */
const ATTESTATION = `http://127.0.0.1:${process.env.ATTESTATION_PORT ?? 3001}`;

export interface EnhancedDemoSteps {
  say(text: string): void;
  partnerToken: string;
  customerTenantId: string;
  companyName: string;
  /** Places a NewPurchase for the customer and answers its decision event. */
  order(): Promise<{ eventType: string; data: Record<string, any> }>;
}

const signatory = { firstName: 'Dana', lastName: 'Example', email: 'dana@fabrikam.example' };

/** The form of the page: its action and every named field, hidden ones included (the CSRF token among them). */
export function readForm(html: string): { action: string | null; fields: Record<string, string> } {
  const form = /<form\b[^>]*>([\s\S]*?)<\/form>/i.exec(html);
  if (!form) return { action: null, fields: {} };
  const action = /\baction="([^"]*)"/i.exec(form[0])?.[1] ?? null;
  const fields: Record<string, string> = {};
  for (const input of form[1].matchAll(/<input\b[^>]*>/gi)) {
    const name = /\bname="([^"]*)"/i.exec(input[0])?.[1];
    const type = /\btype="([^"]*)"/i.exec(input[0])?.[1]?.toLowerCase();
    if (name && type === 'hidden') fields[name] = decodeHtml(/\bvalue="([^"]*)"/i.exec(input[0])?.[1] ?? '');
  }
  return { action: action && decodeHtml(action), fields };
}

const decodeHtml = (text: string) =>
  text
    .replace(/&quot;/g, '"')
    .replace(/&#39;|&#x27;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');

async function json(res: Response, what: string): Promise<any> {
  const body = await res.json().catch(() => ({}));
  if (res.status >= 300) throw new Error(`${what} refused: ${res.status} ${JSON.stringify(body)}`);
  return body;
}

export async function enhancedWalkthrough(steps: EnhancedDemoSteps): Promise<void> {
  const { say, partnerToken, customerTenantId, companyName } = steps;
  const partnerJson = { 'content-type': 'application/json', authorization: partnerToken };

  say(
    `5. The partner opens an enhanced attestation for ${companyName} (the only partner way since 2026-01-05).`,
  );
  const started = await json(
    await fetch(`${ATTESTATION}/v1/attestations/enhanced`, {
      method: 'POST',
      headers: partnerJson,
      body: JSON.stringify({
        customerTenantId,
        country: 'US',
        language: 'en-US',
        companyName,
        signatoryFirstName: signatory.firstName,
        signatoryLastName: signatory.lastName,
        signatoryEmail: signatory.email,
        expiresInMinutes: 60,
      }),
    }),
    'starting the enhanced attestation',
  );
  say(`   Attestation ${started.attestationId} is ${started.status} until ${started.expiresAt}.`);
  say(`   The partner sends its customer this link by its own means (the system sends nothing):`);
  say(`   ${started.acceptanceUrl}\n`);

  const before = await steps.order();
  say(
    `   Meanwhile an order is ${before.eventType === 'OrderApproved' ? 'APPROVED' : 'BLOCKED'} (${before.data.reason})`,
  );
  if (before.data.pendingAttestation)
    say(`   and the block names the pending attestation and its link, for the storefront to show.\n`);

  say(
    `6. ${signatory.firstName} ${signatory.lastName}, ${companyName}'s signatory, opens the link and accepts.`,
  );
  const page = await fetch(started.acceptanceUrl);
  const html = await page.text();
  if (page.status !== 200) throw new Error(`the acceptance page answered ${page.status}`);
  const cookie = (page.headers.getSetCookie?.() ?? []).map((c) => c.split(';')[0]).join('; ');
  const form = readForm(html);
  const target = new URL(form.action ?? started.acceptanceUrl, started.acceptanceUrl).toString();
  const submitted = await fetch(target, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...(cookie ? { cookie } : {}) },
    body: new URLSearchParams({
      ...form.fields,
      signatoryFirstName: signatory.firstName,
      signatoryLastName: signatory.lastName,
      signatoryEmail: signatory.email,
      accept: 'yes',
    }),
  });
  if (submitted.status !== 200) throw new Error(`the page refused the acceptance: ${submitted.status}`);
  const status = await json(
    await fetch(`${ATTESTATION}/v1/attestations/enhanced/${started.attestationId}`, { headers: partnerJson }),
    'reading the attestation',
  );
  say(
    `   The page confirms; the attestation is now ${status.status} (evidence ${status.evidence?.evidenceHash ?? status.evidenceHash ?? ''}).\n`,
  );

  say('7. The partner finalizes: the customer agreement is created from the accepted attestation.');
  const record = await json(
    await fetch(`${ATTESTATION}/v1/customers/${customerTenantId}/agreements`, {
      method: 'POST',
      headers: partnerJson,
      body: JSON.stringify({
        attestationId: started.attestationId,
        templateId: started.templateId,
        type: 'MicrosoftCustomerAgreement',
      }),
    }),
    'finalizing',
  );
  say(`   Agreement record ${record.id} (dateAgreed ${record.dateAgreed}, from the acceptance).\n`);

  const after = await steps.order();
  const verb = after.eventType === 'OrderApproved' ? 'APPROVED' : 'BLOCKED';
  say(
    `   ${companyName}'s next order is ${verb} (${after.data.reason}), evidence: enhanced attestation ${after.data.evidence?.enhancedAttestationId ?? 'none'}.`,
  );
  if (after.eventType !== 'OrderApproved')
    throw new Error(`the order after finalizing was ${verb}: ${after.data.message}`);
}
