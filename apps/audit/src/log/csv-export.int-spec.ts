import { randomUUID } from 'crypto';
import { Topics } from '@app/contracts';
import { csvCell } from '@app/platform';
import { auditHarness, events, givenRunningAudit, inboundMessage } from '../audit.harness';
import { AllTopicsConsumer } from './all-topics.consumer';

/** S-10 through the audit's own export: PostgreSQL renders the CSV, by the rule the attestation export uses. */
describe('S-10: the audit CSV export neutralises formula cells (real database)', () => {
  const sut = givenRunningAudit('audit-csv');
  const audit = auditHarness(sut);

  beforeAll(async () => {
    await sut.service.app.get(AllTopicsConsumer).runner!.stop();
  });

  it.each(['=HYPERLINK("https://evil.example","x")', '+1+1', '-2+3', '@SUM(A1)', '\t=1', '\r=1'])(
    'S-10: a message key %j leaves the CSV export as text',
    async (key) => {
      const customerTenantId = randomUUID();
      await audit.append([
        inboundMessage({
          topic: Topics.AgreementsAcceptance,
          partition: 0,
          offset: '1',
          key,
          value: JSON.stringify(events.customerAccepted(customerTenantId)),
        }),
      ]);
      const res = await audit.get('/v1/audit/export', { format: 'csv', customerTenantId });
      expect(res.status).toBe(200);
      const [header, line] = res.text.split('\r\n');
      expect(header.split(',')[6]).toBe('key');
      expect(line).toContain(`,${csvCell(key)},`);
      expect(csvCell(key)).toMatch(/^"'/);
    },
  );
});
