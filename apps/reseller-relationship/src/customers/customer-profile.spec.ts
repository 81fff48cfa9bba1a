import { resolveCustomerProfile } from './customer-profile';

describe('resolveCustomerProfile (D-03, D-04, S-01: a customer acting itself)', () => {
  const known = { cloud: 'Public', country: 'DE' } as const;

  it('D-03: keeps what is recorded for a known tenant, whatever case the country is sent in', () => {
    expect(resolveCustomerProfile(known, {}, 'UsGovernment')).toEqual({
      ok: true,
      profile: known,
      isNew: false,
    });
    expect(resolveCustomerProfile(known, { cloud: 'Public', country: 'de' }, 'Public')).toEqual({
      ok: true,
      profile: known,
      isNew: false,
    });
  });

  it("S-01: a known tenant's cloud never changes: another cloud or country is refused, whoever invites", () => {
    expect(resolveCustomerProfile(known, { cloud: 'UsGovernment' }, 'UsGovernment')).toEqual({
      ok: false,
      rejection: { kind: 'Mismatch', field: 'cloud' },
    });
    expect(resolveCustomerProfile(known, { country: 'FR' }, 'Public')).toEqual({
      ok: false,
      rejection: { kind: 'Mismatch', field: 'country' },
    });
  });

  it("S-01: a new tenant takes the cloud decided for it (the inviting partner's), and must give its country", () => {
    expect(resolveCustomerProfile(undefined, { country: 'us' }, 'UsGovernment')).toEqual({
      ok: true,
      profile: { cloud: 'UsGovernment', country: 'US' },
      isNew: true,
    });
    expect(resolveCustomerProfile(undefined, { cloud: 'Public', country: 'us' }, 'Public')).toEqual({
      ok: true,
      profile: { cloud: 'Public', country: 'US' },
      isNew: true,
    });
    expect(resolveCustomerProfile(undefined, {}, 'Public')).toEqual({
      ok: false,
      rejection: { kind: 'Missing', fields: ['country'] },
    });
  });

  it('S-01: a new tenant cannot declare another cloud than the one decided for it, nor be new when nobody can decide it', () => {
    expect(resolveCustomerProfile(undefined, { cloud: 'UsGovernment', country: 'US' }, 'Public')).toEqual({
      ok: false,
      rejection: { kind: 'CloudDiffers', given: 'UsGovernment', decided: 'Public' },
    });
    expect(resolveCustomerProfile(undefined, { cloud: 'Public', country: 'US' }, undefined)).toEqual({
      ok: false,
      rejection: { kind: 'CloudUndecided' },
    });
  });
});
