import { SealedCookies } from './sealed-cookie';
import { csrfMatches, safeReturnPath, type Session } from './session';

describe('the sealed session cookie', () => {
  const cookies = new SealedCookies('a-session-secret-of-at-least-32-characters');
  const session: Session = {
    user: { name: 'Ada', tenantId: 't', userId: 'u', roles: ['AdminAgent'] },
    accessToken: 'token',
    csrf: 'csrf-token',
  };

  it('opens what it sealed, until it expires', () => {
    const sealed = cookies.seal(session, 60, 1_000);
    expect(cookies.open(sealed, 1_000)).toEqual(session);
    expect(cookies.open(sealed, 61_001)).toBeUndefined();
  });

  it('keeps its content from the browser: the token is not readable in the cookie', () => {
    expect(cookies.seal(session, 60)).not.toContain('token');
    expect(Buffer.from(cookies.seal(session, 60).split('.')[2], 'base64url').toString()).not.toContain('Ada');
  });

  it('refuses a changed, forged or foreign cookie', () => {
    const sealed = cookies.seal(session, 60);
    const [iv, tag, body] = sealed.split('.');
    const flipped = Buffer.from(body, 'base64url');
    flipped[0] ^= 1;
    expect(cookies.open(`${iv}.${tag}.${flipped.toString('base64url')}`)).toBeUndefined();
    expect(cookies.open('a.b.c')).toBeUndefined();
    expect(cookies.open('garbage')).toBeUndefined();
    expect(new SealedCookies('another-secret-of-at-least-32-characters').open(sealed)).toBeUndefined();
  });

  it('takes a form only with the session’s CSRF token', () => {
    expect(csrfMatches(session, 'csrf-token')).toBe(true);
    expect(csrfMatches(session, 'csrf-tokex')).toBe(false);
    expect(csrfMatches(session, undefined)).toBe(false);
    expect(csrfMatches(session, ['csrf-token'])).toBe(false);
  });

  it.each([
    ['/partner/customers?status=at-risk', '/partner/customers?status=at-risk'],
    ['//evil.example.com/', '/'],
    ['/\\evil.example.com', '/'],
    ['https://evil.example.com/', '/'],
    [undefined, '/'],
  ])('after sign-in goes back to %p only within the console (%p)', (given, expected) => {
    expect(safeReturnPath(given)).toBe(expected);
  });
});
