import { isEmail, isURL, Matches, ValidateBy, ValidationOptions } from 'class-validator';

/* No control characters and no lone surrogate halves: neither has a place in a name, an email or a
 * reason, and PostgreSQL refuses both in text and jsonb. */
const PLAIN_TEXT = /^[^\p{Cc}\p{Cs}]*$/u;

export function isPlainText(value: unknown): value is string {
  return typeof value === 'string' && PLAIN_TEXT.test(value);
}

/** The string holds no control character (NUL, newline, ...) and no unpaired surrogate. */
export const IsPlainText = (options?: ValidationOptions): PropertyDecorator =>
  Matches(PLAIN_TEXT, { message: '$property must not contain control characters', ...options });

/*
 * validator.js's isEmail and isURL throw (URIError from encodeURI) on a lone surrogate instead of
 * answering false, which would turn a bad body into a 500: plain text is checked first.
 */

/** a well-formed email address. */
export const IsWellFormedEmail = (options?: ValidationOptions): PropertyDecorator =>
  ValidateBy(
    {
      name: 'isWellFormedEmail',
      validator: {
        validate: (value) => isPlainText(value) && isEmail(value),
        defaultMessage: () => '$property must be an email',
      },
    },
    options,
  );

/** An absolute https URL. */
export const IsHttpsUrl = (options?: ValidationOptions): PropertyDecorator =>
  ValidateBy(
    {
      name: 'isHttpsUrl',
      validator: {
        validate: (value) =>
          isPlainText(value) && isURL(value, { protocols: ['https'], require_protocol: true }),
        defaultMessage: () => '$property must be an https URL',
      },
    },
    options,
  );
