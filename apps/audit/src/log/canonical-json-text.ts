import { canonicalJson, NotStorableJsonError } from './audit-chain';

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
  // jsonb's text never holds a raw control character: text that does is left to JSON.parse, which refuses most.
  if (CONTROL.test(text)) return canonicalJson(JSON.parse(text), false);
  const scanner = new Scanner(text);
  const out = scanner.value(0);
  scanner.skipSpace();
  if (scanner.at !== text.length) scanner.fail();
  return out;
}

/** A raw control character (jsonb writes spaces between tokens, and escapes these in strings). */
// eslint-disable-next-line no-control-regex -- the control characters are what it looks for
const CONTROL = /[\u0000-\u001f]/;
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

interface Member {
  key: string;
  text: string;
}

const byKey = (a: Member, b: Member) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0);

class Scanner {
  at = 0;

  constructor(private readonly text: string) {}

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
    if (c === QUOTE) return this.string().canonical;
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

  /** A string token: its canonical text, and the string itself (what keys are ordered by). */
  private string(): { canonical: string; value: string } {
    const text = this.text;
    const start = this.at;
    if (this.backslash !== -1 && this.backslash <= start) this.backslash = text.indexOf('\\', start + 1);
    const end = text.indexOf('"', start + 1);
    if (end === -1) this.fail();
    if (this.backslash === -1 || this.backslash > end) {
      // No escape: the text between the quotes is the string (no raw control character is in the text).
      this.at = end + 1;
      const token = text.slice(start, end + 1);
      return { canonical: token, value: token.slice(1, -1) };
    }
    let at = this.backslash;
    for (;;) {
      const c = text.charCodeAt(at);
      if (c === QUOTE) break;
      if (c !== c) this.fail(); // NaN: the text ended inside the string
      at += c === BACKSLASH ? 2 : 1;
    }
    this.at = at + 1;
    const value = JSON.parse(text.slice(start, at + 1)) as string;
    return { canonical: JSON.stringify(value), value };
  }

  private object(depth: number): string {
    this.at++;
    this.skipSpace();
    if (this.text.charCodeAt(this.at) === 0x7d /* } */) {
      this.at++;
      return '{}';
    }
    const members: Member[] = [];
    let sorted = true;
    for (;;) {
      this.skipSpace();
      if (this.text.charCodeAt(this.at) !== QUOTE) this.fail();
      const key = this.string();
      this.skipSpace();
      if (this.text.charCodeAt(this.at) !== COLON) this.fail();
      this.at++;
      const member = { key: key.value, text: `${key.canonical}:${this.value(depth + 1)}` };
      const last = members.length > 0 ? members[members.length - 1] : undefined;
      if (last !== undefined && !(sorted && last.key < member.key)) {
        sorted = false;
        // JSON.parse keeps the last of duplicate keys (jsonb holds none): so does this.
        const same = members.findIndex((m) => m.key === member.key);
        if (same !== -1) members.splice(same, 1);
      }
      members.push(member);
      this.skipSpace();
      const c = this.text.charCodeAt(this.at++);
      if (c === COMMA) continue;
      if (c === 0x7d /* } */) break;
      this.at--;
      this.fail();
    }
    if (!sorted) members.sort(byKey);
    let out = '{';
    for (let i = 0; i < members.length; i++) out += i === 0 ? members[i].text : `,${members[i].text}`;
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
