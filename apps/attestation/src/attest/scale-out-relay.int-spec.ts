import { DataSource } from 'typeorm';
import { Topics } from '@app/contracts';
import { runSql, sql, table } from '@app/messaging';
import { eventually, givenRunningInstances, InstancesUnderTest, ServiceUnderTest } from '@app/testing';
import { AttestationModule } from '../attestation.module';
import { ATTESTATION_TOPICS, attest, givenRelatedPair } from '../attestation.harness';
import { ATTESTATION_SCHEMA } from '../config';

/** One instance seen as the attestation harness's ServiceUnderTest, sharing the instances' producer and recorder. */
function asService(instances: InstancesUnderTest, i: number): ServiceUnderTest {
  return {
    get producer() {
      return instances.producer;
    },
    get recorder() {
      return instances.recorder;
    },
    get pg() {
      return instances.pg;
    },
    http: () => instances.instance(i).http(),
    dataSource: () => instances.instance(i).app.get(DataSource),
    recorded: instances.recorded,
  } as ServiceUnderTest;
}

/**
 * A-17 and the outbox with the attestation service scaled out: two instances take HTTP writes on one database,
 * their relays share one outbox, and one of them crashes mid-stream.
 */
describe('outbox relays with two attestation instances', () => {
  const instances = givenRunningInstances({
    service: 'attestation',
    module: (c) => AttestationModule.forRoot(c, {}, {}),
    record: ATTESTATION_TOPICS,
    label: 'attestation-scale-out',
    instances: 2,
  });

  it('A-17: every attestation acknowledged by either instance reaches its topic, once by id, nothing lost, through a crash', async () => {
    const acknowledged: string[] = [];
    const lane = async (i: number, count: number) => {
      for (let n = 0; n < count; n++) {
        if (!instances.running().includes(i)) return;
        const sut = asService(instances, i);
        const { partnerId, customerTenantId } = await givenRelatedPair(sut);
        await eventually(
          async () => {
            const res = await attest(sut, partnerId, customerTenantId);
            if (res.status === 201) acknowledged.push(res.body.id);
            else expect(res.status).not.toBe(404);
          },
          { timeoutMs: 20000, intervalMs: 100 },
        ).catch(() => undefined);
      }
    };
    await Promise.all([lane(0, 25), lane(1, 10)]);
    await Promise.all([lane(0, 15), instances.crash(1)]);
    await instances.start(1);
    await Promise.all([lane(0, 15), lane(1, 15)]);

    expect(acknowledged.length).toBeGreaterThan(50);
    const attested = () =>
      instances
        .recorded(Topics.AgreementsAcceptance, 'AgreementAttested')
        .map((m) => m.json.data.attestationId);
    // A 2xx means the fact was on its topic before the answer: no waiting here.
    const onTopic = new Set(attested());
    expect(acknowledged.filter((id) => !onTopic.has(id))).toEqual([]);
    const copies = attested().filter((id) => acknowledged.includes(id)).length - acknowledged.length;
    console.log(
      `relays: ${acknowledged.length} attestations acknowledged, ${copies} duplicate(s) on the topic`,
    );
    const { rows } = await runSql(
      instances.pg,
      sql`SELECT count(*)::int AS n FROM ${table(ATTESTATION_SCHEMA, 'outbox')} WHERE lease_until IS NULL`,
    );
    expect(rows[0].n).toBe(0);
  });
});
