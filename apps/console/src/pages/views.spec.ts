import {
  AcceptanceStatus,
  auditQuery,
  customerRows,
  customersCsv,
  decisionsChart,
  LogEvent,
  readCustomerFilters,
  readLogFilters,
  timelineOf,
} from './views';

const A = '11111111-1111-4111-8111-111111111111';
const B = '22222222-2222-4222-8222-222222222222';

function status(customerTenantId: string, over: Partial<AcceptanceStatus> = {}): AcceptanceStatus {
  return {
    customerTenantId,
    relationshipActive: true,
    acceptances: [],
    nextNewPurchase: { outcome: 'Approved', reason: 'AcceptanceConfirmed', message: 'Confirmed.' },
    policyVersion: 'policy-1',
    ...over,
  };
}

function decision(reason: string, occurredAt: string, eventType = 'OrderApproved'): LogEvent {
  return {
    sequence: 1,
    eventType,
    occurredAt,
    partnerId: 'p',
    customerTenantId: A,
    orderId: 'o-1',
    envelope: { data: { reason, orderId: 'o-1', kind: 'NewPurchase' } },
  };
}

describe('the customers page', () => {
  const statuses = [
    status(A, {
      acceptances: [
        {
          source: 'PartnerAttestation',
          agreementType: 'MicrosoftCustomerAgreement',
          templateId: 't',
          dateAgreed: '2026-11-01T00:00:00Z',
        },
      ],
    }),
    status(B, {
      nextNewPurchase: { outcome: 'Blocked', reason: 'AcceptanceMissing', message: 'Attest it.' },
    }),
  ];
  const atRisk = [
    { customerTenantId: B, reason: 'AcceptanceMissing', whatToDo: 'Attest it, then order again.' },
  ];

  it('lists at-risk customers first, with the at-risk report’s reason and what to do', () => {
    const rows = customerRows(statuses, atRisk, readCustomerFilters({}));
    expect(rows.map((r) => [r.customerTenantId, r.atRisk, r.reason])).toEqual([
      [B, true, 'AcceptanceMissing'],
      [A, false, 'AcceptanceConfirmed'],
    ]);
    expect(rows[0].whatToDo).toBe('Attest it, then order again.');
    expect(rows[1].acceptances).toEqual([
      { agreementType: 'MicrosoftCustomerAgreement', status: 'attested 2026-11-01' },
    ]);
  });

  it('filters by outcome and by a part of the id; unknown filter values count as none', () => {
    expect(
      customerRows(statuses, atRisk, readCustomerFilters({ status: 'ok' })).map((r) => r.customerTenantId),
    ).toEqual([A]);
    expect(
      customerRows(statuses, atRisk, readCustomerFilters({ status: 'at-risk' })).map(
        (r) => r.customerTenantId,
      ),
    ).toEqual([B]);
    expect(
      customerRows(statuses, atRisk, readCustomerFilters({ q: '2222' })).map((r) => r.customerTenantId),
    ).toEqual([B]);
    expect(readCustomerFilters({ status: '<script>', q: ['x'] })).toEqual({ status: '', q: '' });
  });

  it('makes a CSV whose cells a spreadsheet cannot read as formulas', () => {
    const csv = customersCsv([
      {
        customerTenantId: A,
        relationshipActive: true,
        acceptances: [],
        atRisk: true,
        reason: '=HYPERLINK("x")',
        whatToDo: 'a, b',
      },
    ]);
    const [header, line] = csv.split('\r\n');
    expect(header).toBe('customerTenantId,relationship,acceptances,nextOrder,reason,whatToDo');
    expect(line).toBe(`${A},Active,,Blocked,"'=HYPERLINK(""x"")","a, b"`);
  });
});

describe('the decisions chart', () => {
  it('counts decisions per day and reason over the last days, a zero where there were none', () => {
    const now = new Date('2026-11-28T12:00:00Z');
    const chart = decisionsChart(
      [
        decision('AcceptanceConfirmed', '2026-11-28T09:00:00Z'),
        decision('AcceptanceConfirmed', '2026-11-28T10:00:00Z'),
        decision('AcceptanceMissing', '2026-11-27T10:00:00Z', 'OrderBlocked'),
        decision('AcceptanceMissing', '2026-11-01T10:00:00Z', 'OrderBlocked'),
      ],
      3,
      now,
    );
    expect(chart).toEqual({
      reasons: ['AcceptanceConfirmed', 'AcceptanceMissing'],
      days: [
        { day: '2026-11-26', counts: [0, 0] },
        { day: '2026-11-27', counts: [0, 1] },
        { day: '2026-11-28', counts: [2, 0] },
      ],
    });
  });
});

describe('timelines and the log’s filters', () => {
  it('orders a customer’s events in time, each with a line that names no contact', () => {
    const attested: LogEvent = {
      ...decision('', '2026-11-27T10:00:00Z'),
      eventType: 'AgreementAttested',
      envelope: {
        data: {
          agreementType: 'MicrosoftCustomerAgreement',
          dateAgreed: '2026-11-27T00:00:00Z',
          primaryContact: { email: 'pat@example.com' },
        },
      },
    };
    const timeline = timelineOf([decision('AcceptanceConfirmed', '2026-11-28T09:00:00Z'), attested]);
    expect(timeline.map((t) => t.eventType)).toEqual(['AgreementAttested', 'OrderApproved']);
    expect(timeline[0].summary).toBe('MicrosoftCustomerAgreement, agreed 2026-11-27');
    expect(timeline[1].summary).toBe('order o-1 (NewPurchase): AcceptanceConfirmed');
    expect(JSON.stringify(timeline)).not.toContain('pat@example.com');
  });

  it('reads the log’s filters as typed and asks the audit API for UTC instants', () => {
    const filters = readLogFilters({
      orderId: ' o-1 ',
      from: '2026-11-27T10:00',
      to: '',
      cursor: 'x',
      partnerId: ['a'],
    });
    expect(filters).toEqual({
      partnerId: '',
      customerTenantId: '',
      orderId: 'o-1',
      eventType: '',
      from: '2026-11-27T10:00',
      to: '',
    });
    expect(auditQuery(filters)).toEqual({
      partnerId: undefined,
      customerTenantId: undefined,
      orderId: 'o-1',
      eventType: undefined,
      from: '2026-11-27T10:00:00Z',
      to: undefined,
    });
  });
});
