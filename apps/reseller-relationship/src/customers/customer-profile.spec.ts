import { resolveCustomerProfile } from './customer-profile';

describe('resolveCustomerProfile (D-03, D-04: a customer acting itself)', () => {
  const known = { cloud: 'Public', country: 'DE' } as const;

  it('D-03: keeps what is recorded for a known tenant, whatever case the country is sent in', () => {
    expect(resolveCustomerProfile(known, {})).toEqual({ ok: true, profile: known, isNew: false });
    expect(resolveCustomerProfile(known, { cloud: 'Public', country: 'de' })).toEqual({
      ok: true,
      profile: known,
      isNew: false,
    });
  });

  it('D-03: refuses a cloud or country that contradicts the record', () => {
    expect(resolveCustomerProfile(known, { cloud: 'Germany' })).toEqual({
      ok: false,
      rejection: { kind: 'Mismatch', field: 'cloud' },
    });
    expect(resolveCustomerProfile(known, { country: 'FR' })).toEqual({
      ok: false,
      rejection: { kind: 'Mismatch', field: 'country' },
    });
  });

  it('D-04: an unknown tenant must give both, and is new', () => {
    expect(resolveCustomerProfile(undefined, {})).toEqual({
      ok: false,
      rejection: { kind: 'Missing', fields: ['cloud', 'country'] },
    });
    expect(resolveCustomerProfile(undefined, { cloud: 'Public' })).toEqual({
      ok: false,
      rejection: { kind: 'Missing', fields: ['country'] },
    });
    expect(resolveCustomerProfile(undefined, { cloud: 'UsGovernment', country: 'us' })).toEqual({
      ok: true,
      profile: { cloud: 'UsGovernment', country: 'US' },
      isNew: true,
    });
  });
});
