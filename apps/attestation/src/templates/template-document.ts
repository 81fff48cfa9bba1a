/*
 * the document of a template for one country and language. Agreements are region-specific
 * and translated; the catalog keeps one link per template version (e.g. https://aka.ms/customeragreement),
 * and the document for a market is that link with the market in its query:
 *
 *   displayUri  = <agreementLink>?lang=<language>&country=<COUNTRY>              (the page to read)
 *   downloadUri = <agreementLink>?lang=<language>&country=<COUNTRY>&format=pdf   (the file to keep)
 *
 * Existing query parameters of the link are kept; `lang`, `country` and `format` are replaced.
 */
import { isISO31661Alpha2, isISO6391 } from 'class-validator';

export const DEFAULT_LANGUAGE = 'en-US';
export const DEFAULT_COUNTRY = 'US';

export interface TemplateDocument {
  displayUri: string;
  downloadUri: string;
  language: string;
  country: string;
}

const LANGUAGE_SHAPE = /^([A-Za-z]{2})(?:-([A-Za-z]{2}))?$/;

/** An ISO 639-1 language, optionally with an ISO 3166-1 region: `en`, `en-US`, `pt-br` → `pt-BR`. */
export function normaliseLanguage(value: string): string | undefined {
  const match = LANGUAGE_SHAPE.exec(value);
  if (!match) return undefined;
  const language = match[1].toLowerCase();
  if (!isISO6391(language)) return undefined;
  if (match[2] === undefined) return language;
  const region = match[2].toUpperCase();
  return isISO31661Alpha2(region) ? `${language}-${region}` : undefined;
}

/** An ISO 3166-1 alpha-2 country, upper-cased. */
export function normaliseCountry(value: string): string | undefined {
  const country = value.toUpperCase();
  return /^[A-Z]{2}$/.test(country) && isISO31661Alpha2(country) ? country : undefined;
}

export function templateDocument(agreementLink: string, language: string, country: string): TemplateDocument {
  const display = new URL(agreementLink);
  display.searchParams.delete('format');
  display.searchParams.set('lang', language);
  display.searchParams.set('country', country);
  const download = new URL(display.toString());
  download.searchParams.set('format', 'pdf');
  return { displayUri: display.toString(), downloadUri: download.toString(), language, country };
}
