import { randomUUID } from 'crypto';
import { DataSource } from 'typeorm';
import { buildEnvelope, Topics } from '@app/contracts';
import { csvCell } from '@app/platform';
import {
  createTestDatabase,
  operatorBearer,
  RunningService,
  startService,
  TestDatabase,
  uniqueGroupPrefix,
} from '@app/testing';
import { AuditModule } from '../audit.module';
import { AllTopicsConsumer } from './all-topics.consumer';
import { AUDIT_SCHEMA } from '../audit-schema';
import { appendToLog } from './chained-log';

/** S-10 through the audit's own export: PostgreSQL renders the CSV, by the rule the attestation export uses. */
describe('S-10: the audit CSV export neutralises formula cells (real database)', () => {
  let db: TestDatabase;
  let audit: RunningService;

  beforeAll(async () => {
    db = await createTestDatabase('audit_csv');
    audit = await startService('audit', (c) => AuditModule.forRoot(c), {
      databaseUrl: db.url,
      groupPrefix: uniqueGroupPrefix('audit-csv'),
    });
    await audit.app.get(AllTopicsConsumer).runner!.stop();
  });

  afterAll(async () => {
    await audit?.close();
    await db?.drop();
  });

  it.each(['=HYPERLINK("https://evil.example","x")', '+1+1', '-2+3', '@SUM(A1)', '\t=1', '\r=1'])(
    'S-10: a message key %j leaves the CSV export as text',
    async (key) => {
      const customerTenantId = randomUUID();
      const envelope = buildEnvelope(
        'CustomerAgreementAccepted',
        {
          customerTenantId,
          agreementType: 'MicrosoftCustomerAgreement',
          templateId: '117a77b0-9360-443b-8795-c6dedc750cf9',
          dateAgreed: new Date().toISOString(),
          signer: { firstName: 'Alex', lastName: 'Wilber', email: 'alex@fabrikam.example' },
        },
        { producer: 'reseller-relationship' },
      );
      await audit.app.get(DataSource).transaction((m) =>
        appendToLog(m, AUDIT_SCHEMA, [
          {
            topic: Topics.AgreementsAcceptance,
            partition: 0,
            offset: '1',
            key,
            value: Buffer.from(JSON.stringify(envelope)),
            headers: {},
            timestamp: String(Date.now()),
          },
        ]),
      );
      const res = await audit
        .http()
        .get('/v1/audit/export')
        .query({ format: 'csv', customerTenantId })
        .set('Authorization', await operatorBearer(['Auditor']));
      expect(res.status).toBe(200);
      const [header, line] = res.text.split('\r\n');
      expect(header.split(',')[6]).toBe('key');
      expect(line).toContain(`,${csvCell(key)},`);
      expect(csvCell(key)).toMatch(/^"'/);
    },
  );
});
