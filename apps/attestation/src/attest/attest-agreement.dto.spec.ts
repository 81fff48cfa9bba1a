import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import { attestationBody } from '../attestation.fixtures';
import { AttestAgreementDto } from './attest-agreement.dto';

const problemsOf = (body: object) =>
  validateSync(plainToInstance(AttestAgreementDto, body), { whitelist: true, forbidNonWhitelisted: true });

describe('A-01, A-03: the attestation body', () => {
  it('A-01: the Partner Center request example is valid, with or without a (ignored) userId', () => {
    expect(problemsOf(attestationBody())).toEqual([]);
    expect(problemsOf(attestationBody({ userId: '3d6f2c09-eb40-48ca-a4b3-d24c9c007531' }))).toEqual([]);
  });

  it('A-03: a malformed email, even one validator.js would choke on, is a validation error, not an exception', () => {
    for (const email of ['ada', 'ada@', '\ud800', 'a\u0000@contoso.example', 'ada@contoso.example\n']) {
      const contact = { firstName: 'Ada', lastName: 'Lovelace', email };
      expect(problemsOf(attestationBody({ primaryContact: contact }))).not.toEqual([]);
    }
  });

  it('A-01: control characters and lone surrogates are refused in names, an array is not a contact', () => {
    expect(problemsOf(attestationBody({ attestedBy: 'a\u0000b' }))).not.toEqual([]);
    expect(
      problemsOf(
        attestationBody({ primaryContact: { firstName: '\udc00', lastName: 'x', email: 'a@b.example' } }),
      ),
    ).not.toEqual([]);
    expect(
      problemsOf(
        attestationBody({ primaryContact: [{ firstName: 'a', lastName: 'b', email: 'a@b.example' }] }),
      ),
    ).not.toEqual([]);
  });
});
