import { randomUUID } from 'crypto';
import type { QueryResult } from 'pg';
import { runSql, sql, table } from '@app/messaging';
import { bearer, eventually, startService, uniqueGroupPrefix } from '@app/testing';
import { AttestationModule } from '../attestation.module';
import {
  attestationBody,
  givenCustomerCreated,
  givenPartnerRegistered,
  givenRelationshipTerminated,
} from '../attestation.fixtures';
import { attest, givenAttestationService, givenRelatedPair } from '../attestation.harness';
import { ATTESTATION_SCHEMA } from '../config';

describe('attesting needs a relationship the service has read (A-17)', () => {
  const sut = givenAttestationService('attestation-relationship');

  it("A-17: unknown partner, unknown customer, another partner's customer and a terminated relationship are clear 4xx; a customer created a moment ago is attestable at once", async () => {
    const stranger = randomUUID();
    const unknownPartner = await attest(sut, stranger, randomUUID());
    expect(unknownPartner.status).toBe(403);
    expect(unknownPartner.body).toMatchObject({ code: 610030, errorName: 'PartnerNotRegistered' });

    const { partnerId, customerTenantId } = await givenRelatedPair(sut);
    const unknownCustomer = await attest(sut, partnerId, randomUUID());
    expect(unknownCustomer.status).toBe(404);
    expect(unknownCustomer.body).toMatchObject({ code: 610109, errorName: 'CustomerNotFound' });

    const otherPartner = randomUUID();
    await givenPartnerRegistered(sut.producer, otherPartner);
    const notTheirs = await attest(sut, otherPartner, customerTenantId);
    expect(notTheirs.status).toBe(403);
    expect(notTheirs.body).toMatchObject({ code: 610110, errorName: 'NoActiveResellerRelationship' });

    // A termination is honoured once applied; only the refusing direction waits for the copy.
    await givenRelationshipTerminated(sut.producer, partnerId, customerTenantId);
    await eventually(async () => {
      const { rows } = await runSql<QueryResult<{ active: boolean }>>(
        sut.pg,
        sql`SELECT active FROM ${table(ATTESTATION_SCHEMA, 'relationships')}
             WHERE partner_id = ${partnerId} AND customer_tenant_id = ${customerTenantId}`,
      );
      expect(rows[0].active).toBe(false);
    });
    const terminated = await attest(sut, partnerId, customerTenantId);
    expect(terminated.status).toBe(403);
    expect(terminated.body.code).toBe(610110);

    // Created and attested in one go (the dashboard flow): no waiting between the two.
    for (let i = 0; i < 5; i++) {
      const fresh = randomUUID();
      const freshCustomer = randomUUID();
      await givenPartnerRegistered(sut.producer, fresh);
      await givenCustomerCreated(sut.producer, fresh, freshCustomer);
      const res = await attest(sut, fresh, freshCustomer);
      expect(res.status).toBe(201);
    }
  });

  it('A-17: with ATTESTATION_REQUIRE_RELATIONSHIP=false, a partner no relationship event introduced may attest', async () => {
    const relaxed = await startService(
      'attestation',
      (c) => AttestationModule.forRoot(c, {}, { ATTESTATION_REQUIRE_RELATIONSHIP: 'false' }),
      { databaseUrl: sut.db.url, groupPrefix: uniqueGroupPrefix('attestation-relaxed') },
    );
    try {
      // Registered (S-03), but related to no customer.
      const partnerId = randomUUID();
      await givenPartnerRegistered(sut.producer, partnerId);
      const res = await relaxed
        .http()
        .post(`/v1/customers/${randomUUID()}/agreements`)
        .set('Authorization', await bearer({ tenantId: partnerId, roles: ['AdminAgent'] }))
        .send(attestationBody());
      expect(res.status).toBe(201);
    } finally {
      await relaxed.close();
    }
  });
});
