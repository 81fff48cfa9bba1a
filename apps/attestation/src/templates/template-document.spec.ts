import { normaliseCountry, normaliseLanguage, templateDocument } from './template-document';

describe('A-15: template documents per country and language', () => {
  it('A-15: builds the display and download links from the template link', () => {
    expect(templateDocument('https://aka.ms/customeragreement', 'fr-CA', 'CA')).toEqual({
      displayUri: 'https://aka.ms/customeragreement?lang=fr-CA&country=CA',
      downloadUri: 'https://aka.ms/customeragreement?lang=fr-CA&country=CA&format=pdf',
      language: 'fr-CA',
      country: 'CA',
    });
  });

  it('A-15: keeps a link query and replaces the market in it', () => {
    const doc = templateDocument('https://example.com/mca?v=2&lang=xx', 'de', 'DE');
    expect(doc.displayUri).toBe('https://example.com/mca?v=2&lang=de&country=DE');
  });

  it('A-15: normalises and validates language and country codes', () => {
    expect(normaliseLanguage('EN')).toBe('en');
    expect(normaliseLanguage('pt-br')).toBe('pt-BR');
    expect(normaliseLanguage('xx')).toBeUndefined();
    expect(normaliseLanguage('en-XX')).toBeUndefined();
    expect(normaliseLanguage('english')).toBeUndefined();
    expect(normaliseCountry('us')).toBe('US');
    expect(normaliseCountry('ZZ')).toBeUndefined();
    expect(normaliseCountry('USA')).toBeUndefined();
  });
});
