import { randomUUID } from 'crypto';
import type { QueryResult } from 'pg';
import { Topics, validateEvent } from '@app/contracts';
import { runSql, sql, table } from '@app/messaging';
import { givenCustomerCreated, givenPartnerRegistered, MCA_TEMPLATE } from '../attestation.fixtures';
import { givenAttestationService, givenRelatedPair } from '../attestation.harness';
import { ATTESTATION_SCHEMA } from '../config';
import { eventsOf, startBody, startEnhanced, tokenOf } from './enhanced.harness';

describe('starting an enhanced attestation (E-01, E-07)', () => {
  const sut = givenAttestationService('attestation-enhanced-start', {
    PUBLIC_BASE_URL: 'https://accept.example.test/base/',
  });

  it('E-01: an AdminAgent of a related direct-bill partner starts one: 201 Pending, an unguessable link under PUBLIC_BASE_URL, the expiry (7 days by default) and the current Customer Agreement template', async () => {
    const { partnerId, customerTenantId } = await givenRelatedPair(sut);
    const before = Date.now();
    const res = await startEnhanced(sut, partnerId, startBody(customerTenantId));
    expect(res.status).toBe(201);
    expect(res.body).toEqual({
      attestationId: expect.stringMatching(/^[0-9a-f-]{36}$/),
      customerTenantId,
      status: 'Pending',
      acceptanceUrl: expect.stringMatching(
        /^https:\/\/accept\.example\.test\/base\/acceptance\/[A-Za-z0-9_-]{43}$/,
      ),
      expiresAt: expect.any(String),
      templateId: MCA_TEMPLATE,
    });
    const lifetime = Date.parse(res.body.expiresAt) - before;
    expect(lifetime).toBeGreaterThan(10080 * 60_000 - 60_000);
    expect(lifetime).toBeLessThanOrEqual(10080 * 60_000 + 60_000);

    // Each link is its own: a second attestation gets another secret.
    const second = await startEnhanced(sut, partnerId, startBody(customerTenantId, { expiresInMinutes: 5 }));
    expect(second.status).toBe(201);
    expect(tokenOf(second.body.acceptanceUrl)).not.toBe(tokenOf(res.body.acceptanceUrl));
    expect(Date.parse(second.body.expiresAt) - Date.parse(res.body.expiresAt)).toBeLessThan(0);

    // Only the SHA-256 of the secret is the lookup key.
    const { rows } = await runSql<QueryResult<{ token_hash: string }>>(
      sut.pg,
      sql`SELECT token_hash FROM ${table(ATTESTATION_SCHEMA, 'enhanced_attestations')} WHERE id = ${res.body.attestationId}`,
    );
    expect(rows[0].token_hash).toMatch(/^[0-9a-f]{64}$/);
    expect(rows[0].token_hash).not.toContain(tokenOf(res.body.acceptanceUrl));
  });

  it('E-07: EnhancedAttestationStarted is on agreements.acceptance, valid, keyed by the customer, with the link and no contact data', async () => {
    const { partnerId, customerTenantId } = await givenRelatedPair(sut, 'IndirectProvider');
    const res = await startEnhanced(
      sut,
      partnerId,
      startBody(customerTenantId, {
        country: 'jp',
        language: 'ja-jp',
        autoFinalize: true,
        expiresInMinutes: 60,
      }),
    );
    expect(res.status).toBe(201);
    const [event] = await eventsOf(sut, customerTenantId, 'EnhancedAttestationStarted');
    expect(validateEvent(event.json, { topic: Topics.AgreementsAcceptance })).toMatchObject({ ok: true });
    expect(event.json.data).toEqual({
      attestationId: res.body.attestationId,
      partnerId,
      customerTenantId,
      templateId: MCA_TEMPLATE,
      country: 'JP',
      language: 'ja-JP',
      expiresAt: res.body.expiresAt,
      acceptanceUrl: res.body.acceptanceUrl,
      userId: expect.any(String),
      autoFinalize: true,
    });
    expect(JSON.stringify(event.json)).not.toMatch(/grace|hopper|contoso\.example|555/i);
  });

  it('E-01: refused like the legacy attestation: not an AdminAgent, an indirect reseller (A-06), national clouds (A-07), no relationship, an unknown customer', async () => {
    const pair = await givenRelatedPair(sut);
    const sales = await startEnhanced(sut, pair.partnerId, startBody(pair.customerTenantId), ['SalesAgent']);
    expect(sales.status).toBe(403);
    expect(sales.body.code).toBe(610003);

    const reseller = await givenRelatedPair(sut, 'IndirectReseller');
    const resold = await startEnhanced(sut, reseller.partnerId, startBody(reseller.customerTenantId));
    expect(resold.status).toBe(403);
    expect(resold.body).toMatchObject({ code: 610105, errorName: 'IndirectResellerCannotAttest' });
    expect(resold.body.description).toMatch(/indirect provider/);

    const govPartner = randomUUID();
    const govCustomer = randomUUID();
    await givenPartnerRegistered(sut.producer, govPartner, 'DirectBill', 'UsGovernment');
    await givenCustomerCreated(sut.producer, govPartner, govCustomer, 'UsGovernment');
    const gov = await startEnhanced(sut, govPartner, startBody(govCustomer));
    expect(gov.status).toBe(422);
    expect(gov.body.code).toBe(610106);

    const stranger = randomUUID();
    await givenCustomerCreated(sut.producer, randomUUID(), stranger);
    const unrelated = await startEnhanced(sut, pair.partnerId, startBody(stranger));
    expect(unrelated.status).toBe(403);
    expect(unrelated.body.code).toBe(610110);

    const unknown = await startEnhanced(sut, pair.partnerId, startBody(randomUUID()));
    expect(unknown.status).toBe(404);
    expect(unknown.body.code).toBe(610109);
  });

  it('E-01: a bad body is a 400 naming the field, and records nothing', async () => {
    const { partnerId, customerTenantId } = await givenRelatedPair(sut);
    const bad: Array<[Record<string, unknown>, string]> = [
      [{ expiresInMinutes: 4 }, 'expiresInMinutes'],
      [{ expiresInMinutes: 10081 }, 'expiresInMinutes'],
      [{ expiresInMinutes: 7.5 }, 'expiresInMinutes'],
      [{ country: 'USA' }, 'country'],
      [{ country: 'XX' }, 'country'],
      [{ language: 'english please' }, 'language'],
      [{ signatoryEmail: 'not-an-email' }, 'signatoryEmail'],
      [{ signatoryFirstName: '' }, 'signatoryFirstName'],
      [{ companyName: undefined }, 'companyName'],
      [{ autoFinalize: 'yes' }, 'autoFinalize'],
      [{ customerTenantId: 'nope' }, 'customerTenantId'],
      [{ extra: 1 }, 'extra'],
    ];
    for (const [over, field] of bad) {
      const res = await startEnhanced(sut, partnerId, startBody(customerTenantId, over));
      expect({ field, status: res.status, code: res.body.code }).toEqual({
        field,
        status: 400,
        code: 610001,
      });
      expect(res.body.parameters.fields).toContain(field);
    }
    const { rows } = await runSql<QueryResult<{ n: number }>>(
      sut.pg,
      sql`SELECT count(*)::int AS n FROM ${table(ATTESTATION_SCHEMA, 'enhanced_attestations')}
           WHERE customer_tenant_id = ${customerTenantId}`,
    );
    expect(rows[0].n).toBe(0);
  });
});
