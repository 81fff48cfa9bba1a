import { NotStorableJsonError } from './audit-chain';

/**
 * canonicalJson (audit-chain.ts) of the value a JSON text denotes, straight from the text: what verify needs for
 * every stored envelope and headers, which PostgreSQL hands over as jsonb's text. It gives the same string as
 * `canonicalJson(JSON.parse(text), false)` for any valid JSON text, without building the value: objects' members
 * are re-ordered by their keys (UTF-16 code units, as Array.prototype.sort), whitespace is dropped, numbers are
 * written as JSON.stringify writes the double they denote, and strings keep their text when it holds no escape
 * (such a string is exactly what JSON.stringify writes) or are decoded and re-written when it does. It throws a
 * SyntaxError on text that is not JSON, and NotStorableJsonError as canonicalJson does for a value nested too deep.
 * Pure.
 */
export function canonicalJsonOfText(text: string): string {
  // Never JSON.parse for an object: Node 24.21's parser can return a wrong key (after a key "\\", the key "\""
  // comes back as "\\"; see the spec). A string token alone parses right.
  if (INVALID_CONTROL.test(text)) throw new SyntaxError('a raw control character in JSON text');
  const scanner = new Scanner(text);
  const out = scanner.value(0);
  scanner.skipSpace();
  if (scanner.at !== text.length) scanner.fail();
  return out;
}

/** A raw control character (jsonb writes spaces between tokens, and escapes these in strings). */
/* eslint-disable no-control-regex -- the control characters are what they look for */
/** A raw control character JSON allows nowhere. */
const INVALID_CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f]/;
/** The ones JSON allows between tokens, never inside a string. */
const WHITESPACE_CONTROL = /[\t\n\r]/;
/* eslint-enable no-control-regex */
const SPACE = 0x20;
const TAB = 0x09;
const LF = 0x0a;
const CR = 0x0d;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const COLON = 0x3a;

/** An integer JSON.stringify writes with the same digits: up to 15 digits is exact in a double. */
const PLAIN_INTEGER = /^-?(0|[1-9][0-9]{0,14})$/;
const NUMBER = /^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?$/;
/** As canonicalJson: a value nested deeper than this is not stored as JSON (NotStorableJsonError). */
const MAX_DEPTH = 100;

/** `texts` in the order of their `keys` (UTF-16 code units, as Array.prototype.sort); no two keys are equal. */
function ordered(keys: string[], texts: string[]): string[] {
  if (keys.length > 16) {
    const index = keys.map((_, i) => i).sort((a, b) => (keys[a] < keys[b] ? -1 : 1));
    return index.map((i) => texts[i]);
  }
  // An object of a few members: an insertion sort in place, without a comparator call per step.
  for (let i = 1; i < keys.length; i++) {
    const key = keys[i];
    const text = texts[i];
    let j = i - 1;
    while (j >= 0 && keys[j] > key) {
      keys[j + 1] = keys[j];
      texts[j + 1] = texts[j];
      j--;
    }
    keys[j + 1] = key;
    texts[j + 1] = text;
  }
  return texts;
}

class Scanner {
  at = 0;

  /** Whether the text holds a raw tab or line break anywhere: then each string token is checked for one. */
  private readonly rawWhitespace: boolean;

  constructor(private readonly text: string) {
    this.rawWhitespace = WHITESPACE_CONTROL.test(text);
  }

  fail(): never {
    throw new SyntaxError(`not JSON at position ${this.at}`);
  }

  skipSpace(): void {
    const text = this.text;
    let at = this.at;
    for (;;) {
      const c = text.charCodeAt(at);
      if (c !== SPACE && c !== LF && c !== CR && c !== TAB) break;
      at++;
    }
    this.at = at;
  }

  value(depth: number): string {
    if (depth > MAX_DEPTH) throw new NotStorableJsonError(`nested deeper than ${MAX_DEPTH} levels`);
    this.skipSpace();
    const c = this.text.charCodeAt(this.at);
    if (c === QUOTE) return this.string();
    if (c === 0x7b /* { */) return this.object(depth);
    if (c === 0x5b /* [ */) return this.array(depth);
    if (c === 0x74 /* t */) return this.literal('true');
    if (c === 0x66 /* f */) return this.literal('false');
    if (c === 0x6e /* n */) return this.literal('null');
    return this.number();
  }

  private literal(word: string): string {
    if (!this.text.startsWith(word, this.at)) this.fail();
    this.at += word.length;
    return word;
  }

  private number(): string {
    const text = this.text;
    const start = this.at;
    let at = start;
    for (;;) {
      const c = text.charCodeAt(at);
      // digits, '+', '-', '.', 'e', 'E'
      if ((c >= 0x30 && c <= 0x39) || c === 0x2b || c === 0x2d || c === 0x2e || c === 0x65 || c === 0x45)
        at++;
      else break;
    }
    const token = text.slice(start, at);
    this.at = at;
    if (PLAIN_INTEGER.test(token)) return token === '-0' ? '0' : token;
    if (!NUMBER.test(token)) this.fail();
    return JSON.stringify(Number(token));
  }

  /** Where the next backslash at or after `at` is (-1: none left), found once and kept until passed. */
  private backslash = -2;

  /** The string the last string token denotes, when string() was asked for it (keys are ordered by it). */
  private stringValue = '';

  /** A string token: its canonical text; with `wantValue`, the string itself goes to stringValue. */
  private string(wantValue = false): string {
    const text = this.text;
    const start = this.at;
    if (this.backslash !== -1 && this.backslash <= start) this.backslash = text.indexOf('\\', start + 1);
    const end = text.indexOf('"', start + 1);
    if (end === -1) this.fail();
    if (this.backslash === -1 || this.backslash > end) {
      // No escape: the text between the quotes is the string, unless it holds a raw control character.
      if (this.rawWhitespace && WHITESPACE_CONTROL.test(text.slice(start, end))) this.fail();
      this.at = end + 1;
      if (wantValue) this.stringValue = text.slice(start + 1, end);
      return text.slice(start, end + 1);
    }
    let at = this.backslash;
    for (;;) {
      const c = text.charCodeAt(at);
      if (c === QUOTE) break;
      if (!(c >= 0x20)) this.fail(); // a raw control character, or NaN: the text ended inside the string
      at += c === BACKSLASH ? 2 : 1;
    }
    this.at = at + 1;
    const value = JSON.parse(text.slice(start, at + 1)) as string;
    this.stringValue = value;
    return JSON.stringify(value);
  }

  private object(depth: number): string {
    this.at++;
    this.skipSpace();
    if (this.text.charCodeAt(this.at) === 0x7d /* } */) {
      this.at++;
      return '{}';
    }
    // Each member's key (as a string) and text, in the order read; jsonb's order is by length first, so they
    // are usually re-ordered.
    const keys: string[] = [];
    const texts: string[] = [];
    let sorted = true;
    for (;;) {
      this.skipSpace();
      if (this.text.charCodeAt(this.at) !== QUOTE) this.fail();
      const canonicalKey = this.string(true);
      const key = this.stringValue;
      this.skipSpace();
      if (this.text.charCodeAt(this.at) !== COLON) this.fail();
      this.at++;
      const member = `${canonicalKey}:${this.value(depth + 1)}`;
      const count = keys.length;
      if (count > 0 && !(sorted && keys[count - 1] < key)) {
        sorted = false;
        // JSON.parse keeps the last of duplicate keys (jsonb holds none): so does this.
        const same = keys.indexOf(key);
        if (same !== -1) {
          keys.splice(same, 1);
          texts.splice(same, 1);
        }
      }
      keys.push(key);
      texts.push(member);
      this.skipSpace();
      const c = this.text.charCodeAt(this.at++);
      if (c === COMMA) continue;
      if (c === 0x7d /* } */) break;
      this.at--;
      this.fail();
    }
    const order = sorted ? texts : ordered(keys, texts);
    let out = '{';
    for (let i = 0; i < order.length; i++) out += i === 0 ? order[i] : `,${order[i]}`;
    return `${out}}`;
  }

  private array(depth: number): string {
    this.at++;
    this.skipSpace();
    if (this.text.charCodeAt(this.at) === 0x5d /* ] */) {
      this.at++;
      return '[]';
    }
    let out = '[';
    for (let first = true; ; first = false) {
      out += first ? this.value(depth + 1) : `,${this.value(depth + 1)}`;
      this.skipSpace();
      const c = this.text.charCodeAt(this.at++);
      if (c === COMMA) continue;
      if (c === 0x5d /* ] */) break;
      this.at--;
      this.fail();
    }
    return `${out}]`;
  }
}
