import { describe, expect, it } from 'vitest';
import { byCodePoint } from '../../src/core/text-order.js';

/** The reference order: compare arrays of code points. */
function reference(a: string, b: string): number {
  const x = [...a].map((c) => c.codePointAt(0)!);
  const y = [...b].map((c) => c.codePointAt(0)!);
  for (let i = 0; i < Math.min(x.length, y.length); i++) if (x[i] !== y[i]) return x[i]! - y[i]!;
  return x.length - y.length;
}

describe('byCodePoint', () => {
  it('puts characters past U+FFFF after U+E000–U+FFFF, unlike UTF-16 order', () => {
    const emoji = '\u{1F600}'; // stored as the surrogates D83D DE00
    const privateUse = '\uFF21'; // FULLWIDTH A, above the surrogate range
    expect(emoji < privateUse).toBe(true); // what JavaScript's < says
    expect(byCodePoint(emoji, privateUse)).toBeGreaterThan(0);
    expect(byCodePoint(privateUse, emoji)).toBeLessThan(0);
    expect(byCodePoint('ab', 'ab')).toBe(0);
    expect(byCodePoint('ab', 'abc')).toBeLessThan(0);
  });

  it('agrees in sign with a code-point array comparison on random strings', () => {
    const alphabet = [
      'a',
      'Z',
      'é',
      '\uD7FF',
      '\uE000',
      '\uFFFD',
      '\u{10000}',
      '\u{1F600}',
      '\u{10FFFF}',
      '',
    ];
    let s = 7;
    const next = () => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0), s / 4294967296);
    const word = () =>
      Array.from({ length: Math.floor(next() * 4) }, () => alphabet[Math.floor(next() * 10)]).join('');
    for (let t = 0; t < 2000; t++) {
      const a = word();
      const b = word();
      expect(Math.sign(byCodePoint(a, b))).toBe(Math.sign(reference(a, b)));
    }
  });
});
