import { createJsonLogger } from './json-logger';
import { redact, REDACTED } from './redact';

/* S-07: no log line carries unmasked contact data, whatever the key is called or wherever it hides. */
describe('S-07: contact data is masked in logs', () => {
  it('masks keys that name contact data in any spelling, and the attesting person', () => {
    expect(
      redact({
        signatoryEmail: 'sig@contoso.example',
        signatoryFirstName: 'Grace',
        contactPhone: '+1 555 0100',
        first_name: 'Ada',
        attestedBy: 'Alan Turing',
        companyName: 'Contoso',
        emailVerified: true,
      }),
    ).toEqual({
      signatoryEmail: REDACTED,
      signatoryFirstName: REDACTED,
      contactPhone: REDACTED,
      first_name: REDACTED,
      attestedBy: REDACTED,
      companyName: 'Contoso',
      emailVerified: REDACTED,
    });
  });

  it('masks email addresses inside free text, such as a database message quoting a value', () => {
    expect(redact('invalid input syntax for type uuid: "ada.l@contoso.example"')).toBe(
      `invalid input syntax for type uuid: "${REDACTED}"`,
    );
    expect(redact({ error: { message: 'a@b.example and c.d+e@f-g.example.org' } })).toEqual({
      error: { message: `${REDACTED} and ${REDACTED}` },
    });
    expect(redact('commerce.orders.requested[3]@1234 failed')).toBe(
      'commerce.orders.requested[3]@1234 failed',
    );
  });

  it('keeps an error’s message and stack free of email addresses in the JSON line', () => {
    const written: string[] = [];
    const spy = jest.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
      written.push(String(chunk));
      return true;
    });
    try {
      createJsonLogger('attestation', 'log').error('failed', {
        error: new Error('duplicate key: (email)=(ada@contoso.example)'),
      });
    } finally {
      spy.mockRestore();
    }
    expect(written.join('')).not.toContain('ada@contoso.example');
    expect(JSON.parse(written[0]).error.message).toContain(REDACTED);
  });
});
