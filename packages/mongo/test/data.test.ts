/** The native form of `data`: key escaping is reversible and leaves no key a server refuses or reads as syntax. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FERRETDB_RULES, MAX_NATIVE_DEPTH, MONGODB_RULES, UNFIT, escapeKey, fromNative, toNative, unescapeKey } from '../src/data';

describe('escapeKey', () => {
  it.each([
    ['text', 'text'],
    ['', '%'],
    ['%', '%25'],
    ['$where', '%24where'],
    ['a$b', 'a$b'],
    ['a.b', 'a%2Eb'],
    ['.', '%2E'],
    ['nul\u0000key', 'nul%00key'],
    ['_bsontype', '%5Fbsontype'],
    ['__proto__', '__proto__'],
    ['%24where', '%2524where'],
  ])('%j is stored as %j', (key, stored) => {
    expect(escapeKey(key)).toBe(stored);
    expect(unescapeKey(stored)).toBe(key);
  });

  it('round-trips every key, and no stored key is empty, starts with $ or holds a dot or NUL', () => {
    const keys = fc.oneof(
      fc.string({ unit: fc.constantFrom('$', '.', '%', '\u0000', 'a', '2', '4', 'E', '_') }),
      fc.string({ unit: 'grapheme' }),
    );
    fc.assert(
      fc.property(keys, (key) => {
        const stored = escapeKey(key);
        expect(unescapeKey(stored)).toBe(key);
        expect(stored).not.toBe('');
        expect(stored.startsWith('$')).toBe(false);
        expect(stored).not.toMatch(/[.\u0000]/);
      }),
      { numRuns: 2000 },
    );
  });

  it('is injective: two different keys never share a stored name', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: fc.constantFrom('$', '.', '%', '2', '4', 'E', '5', 'F', '_') }),
        fc.string({ unit: fc.constantFrom('$', '.', '%', '2', '4', 'E') }),
        (a, b) => {
          if (a !== b) expect(escapeKey(a)).not.toBe(escapeKey(b));
        },
      ),
    );
  });
});

describe('toNative / fromNative', () => {
  it('keeps JSON values and Buffers, escapes keys, and reads back what was written', () => {
    const value = { text: 'hi', $gt: [1, { 'a.b': Buffer.from([7]) }], '': null };
    const stored = toNative(value, MONGODB_RULES);
    expect(stored).toStrictEqual({ text: 'hi', '%24gt': [1, { 'a%2Eb': Buffer.from([7]) }], '%': null });
    expect(fromNative(stored)).toStrictEqual(value);
  });

  it('a __proto__ key stays an own property on the way in and out', () => {
    const value = JSON.parse('{"__proto__":{"polluted":true}}');
    const back = fromNative(toNative(value, MONGODB_RULES)) as Record<string, unknown>;
    expect(Object.getPrototypeOf(back)).toBe(Object.prototype);
    expect(Object.keys(back)).toEqual(['__proto__']);
    expect(({} as { polluted?: unknown }).polluted).toBeUndefined();
  });

  it('refuses what the server cannot hold: nested arrays and NUL on FerretDB, too deep anywhere', () => {
    expect(toNative({ a: [[1]] }, FERRETDB_RULES)).toBe(UNFIT);
    expect(toNative({ a: [[1]] }, MONGODB_RULES)).toEqual({ a: [[1]] });
    expect(toNative({ a: [{ b: [1] }] }, FERRETDB_RULES)).toEqual({ a: [{ b: [1] }] });
    expect(toNative('a\u0000b', FERRETDB_RULES)).toBe(UNFIT);
    expect(toNative('a\u0000b', MONGODB_RULES)).toBe('a\u0000b');
    let deep: unknown = 'leaf';
    for (let i = 0; i < MAX_NATIVE_DEPTH; i++) deep = { d: deep };
    expect(toNative(deep, MONGODB_RULES)).not.toBe(UNFIT);
    expect(toNative({ d: deep }, MONGODB_RULES)).toBe(UNFIT);
  });

  it('reads a BSON Binary (by shape) back as a Buffer', () => {
    const binary = {
      _bsontype: 'Binary',
      read: (at: number, length: number) => new Uint8Array([1, 2, 3]).subarray(at, at + length),
      length: () => 3,
    };
    expect(fromNative({ b: binary })).toStrictEqual({ b: Buffer.from([1, 2, 3]) });
  });
});
