import fc from 'fast-check';

/** Values a hostile or careless client may put anywhere (the property tests' junk, S-07). */
export const hostileValue = fc.oneof(
  fc.constantFrom(
    null,
    true,
    0,
    -1,
    1e308,
    '',
    ' ',
    '\u0000',
    'a\u0000b',
    '\ud800',
    '\u202e',
    '<script>',
    "'; DROP TABLE x; --",
    '%00',
  ),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.string({ maxLength: 300 }),
  fc.integer(),
  fc.double(),
  fc.array(fc.string(), { maxLength: 3 }),
  fc.dictionary(fc.string({ maxLength: 5 }), fc.string({ maxLength: 5 }), { maxKeys: 3 }),
);

/** Usually the valid value, once in `validWeight + 1` times a hostile one. */
export const mostlyValid = <T>(valid: fc.Arbitrary<T>, validWeight = 20) =>
  fc.oneof({ arbitrary: valid, weight: validWeight }, { arbitrary: hostileValue, weight: 1 });

/** A field that is usually absent: present, it is valid or hostile. */
export const usuallyAbsent = <T>(valid: fc.Arbitrary<T>) =>
  fc.oneof(
    { weight: 4, arbitrary: fc.constant(undefined) },
    { weight: 2, arbitrary: valid },
    { weight: 1, arbitrary: hostileValue },
  );
