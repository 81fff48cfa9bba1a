// validateEvent under attack: reasons never echo personal data, and hostile input is refused without throwing.
import { readFileSync } from 'fs';
import { join } from 'path';
import { parseAndValidate, validateEvent } from '@app/contracts';

type Json = Record<string, any>;
const fixture = (eventType: string): Json =>
  JSON.parse(readFileSync(join(__dirname, '..', 'fixtures', `${eventType}.v1.json`), 'utf8'));

const reasonOf = (result: ReturnType<typeof validateEvent>): string => {
  if (result.ok) throw new Error('expected the event to be refused');
  return result.reason;
};

describe('reasons never carry personal data', () => {
  const email = 'adele.vance@fabrikam.example';

  it('names the email field, not its value', () => {
    const event = fixture('AgreementAttested');
    event.data.primaryContact.email = `${email}>`;
    event.data.primaryContact.firstName = '';
    event.data.partnerId = email;
    event.data.dateAgreed = email;
    event.data.channel = email;

    const reason = reasonOf(validateEvent(event));

    expect(reason).toContain('data.primaryContact.email must be an email');
    expect(reason).not.toContain('fabrikam');
  });

  it('does not echo an event type that is no type name', () => {
    const event = fixture('AgreementAttested');
    event.eventType = email;

    expect(reasonOf(validateEvent(event))).toBe('eventType is not a known event type');
  });

  it('does not quote the input when it is not JSON', () => {
    for (const text of [email, `{"email":"${email}" oops}`, `"${email}`]) {
      const reason = reasonOf(parseAndValidate(text));
      expect(reason).toMatch(/^not valid JSON: /);
      expect(reason).not.toContain('fabrikam');
    }
  });
});

describe('validateEvent on hostile input', () => {
  it('refuses, never throws, when a validator chokes on a lone surrogate in an email', () => {
    const fixture = JSON.parse(
      readFileSync(join(__dirname, '../fixtures/AgreementAttested.v1.json'), 'utf8'),
    );
    fixture.data.primaryContact.email = 'a\ud800@contoso.example';
    const result = validateEvent(fixture, { topic: 'agreements.acceptance' });
    expect(result.ok).toBe(false);
  });
});
