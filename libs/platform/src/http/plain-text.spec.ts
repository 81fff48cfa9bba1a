import { validateSync } from 'class-validator';
import { IsHttpsUrl, IsPlainText, IsWellFormedEmail } from './plain-text';

class Contact {
  @IsWellFormedEmail() email: string;
  @IsPlainText() name: string;
  @IsHttpsUrl() link: string;
}

function contact(email: string, name = 'Ada', link = 'https://aka.ms/customeragreement'): Contact {
  return Object.assign(new Contact(), { email, name, link });
}

describe('plain-text validators for request bodies', () => {
  it('accept a well-formed email, a plain name and an https link', () => {
    expect(validateSync(contact('ada@contoso.example'))).toHaveLength(0);
  });

  it('refuse, never throw, on a lone surrogate (validator.js isEmail/isURL throw URIError on it)', () => {
    const errors = validateSync(contact('a\ud800@contoso.example', 'A\ud800', 'https://x.example/\ud800'));
    expect(errors.map((e) => e.property).sort()).toEqual(['email', 'link', 'name']);
  });

  it('refuse control characters and non-https links', () => {
    const errors = validateSync(contact('ada@contoso.example', 'Ada\u0000', 'http://aka.ms/x'));
    expect(errors.map((e) => e.property).sort()).toEqual(['link', 'name']);
  });
});
