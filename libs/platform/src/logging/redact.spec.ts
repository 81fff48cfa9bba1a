import { redact, REDACTED } from './redact';

describe('redact', () => {
  it('masks personal data at any depth, in arrays too, without touching the original', () => {
    const event = {
      customerTenantId: 'a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d',
      primaryContact: { firstName: 'Ada', lastName: 'Lovelace', email: 'ada@contoso.example' },
      data: {
        signer: { firstName: 'Grace', email: 'grace@contoso.example' },
        contacts: [{ Email: 'x@y.example', PhoneNumber: '+1 555 0100', role: 'owner' }],
      },
      firstName: 'Alan',
    };
    expect(redact(event)).toEqual({
      customerTenantId: 'a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d',
      primaryContact: REDACTED,
      data: {
        signer: REDACTED,
        contacts: [{ Email: REDACTED, PhoneNumber: REDACTED, role: 'owner' }],
      },
      firstName: REDACTED,
    });
    expect(event.primaryContact.email).toBe('ada@contoso.example');
  });

  it('leaves primitives, dates and errors as they are, and survives cycles', () => {
    expect(redact('text')).toBe('text');
    expect(redact(null)).toBeNull();
    const when = new Date(0);
    const cyclic: Record<string, unknown> = { when, lastName: 'L' };
    cyclic.self = cyclic;
    const result = redact(cyclic) as Record<string, unknown>;
    expect(result.when).toBe(when);
    expect(result.lastName).toBe(REDACTED);
    expect(result.self).toBe(result);
  });

  it('reads class instances such as DTOs as data', () => {
    class Dto {
      constructor(
        readonly email: string,
        readonly templateId: string,
      ) {}
    }
    expect(redact(new Dto('a@b.example', 't-1'))).toEqual({ email: REDACTED, templateId: 't-1' });
  });

  it("masks an acceptance link's secret in any logged URL or text, not the stylesheet's path or the route pattern", () => {
    const token = 'AbCdEfGhIjKlMnOpQrStUvWxYz0123456789_-AbCdE';
    expect(
      redact({
        acceptanceUrl: `https://attest.example/acceptance/${token}`,
        message: `POST /acceptance/${token}?x=1 422`,
        nested: [`GET /acceptance/${token}`],
        css: '/acceptance/assets/page.css',
        route: 'GET /acceptance/:token 200',
      }),
    ).toEqual({
      acceptanceUrl: `https://attest.example/acceptance/${REDACTED}`,
      message: `POST /acceptance/${REDACTED}?x=1 422`,
      nested: [`GET /acceptance/${REDACTED}`],
      css: '/acceptance/assets/page.css',
      route: 'GET /acceptance/:token 200',
    });
  });
});
