/** Rule 10: data reads back deep-equal (binary as Buffer), with no pollution or injection; payload limit. */
import { DEFAULT_MAX_PAYLOAD_BYTES, MAX_DATA_DEPTH } from '@roomlog/core';
import { expect, it } from 'vitest';
import { expectNothingWritten, expectRoomlogError } from '../assertions';
import { defineGroup, freshStream, message } from '../harness';

/** `depth` levels of nested arrays around `leaf`. */
function nested(depth: number, leaf: unknown = 'leaf'): unknown {
  let value = leaf;
  for (let i = 0; i < depth; i++) value = [value];
  return value;
}

/** `depth` levels of nested objects around `leaf`. */
function nestedObjects(depth: number, leaf: unknown = 'leaf'): unknown {
  let value = leaf;
  for (let i = 0; i < depth; i++) value = { next: value };
  return value;
}

/** `{ __proto__: { polluted: true }, $op: 1 }` with `__proto__` as an own key, next to a `$`-key. */
function protoBesideDollarKey(): Record<string, unknown> {
  const out = withOwnKey('__proto__', { polluted: true });
  out.$op = 1;
  return out;
}

/** An object with `key` as an own, enumerable property (works for `__proto__`). */
function withOwnKey(key: string, value: unknown): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  Object.defineProperty(out, key, { value, enumerable: true, writable: true, configurable: true });
  return out;
}

/** Values that must read back exactly as written: [label, data, expected read-back]. */
const ROUND_TRIPS: readonly [string, unknown, unknown][] = [
  ['null', null, null],
  ['true', true, true],
  ['zero', 0, 0],
  ['a negative float', -12.5, -12.5],
  ['MAX_SAFE_INTEGER', Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER],
  ['1e308', 1e308, 1e308],
  ['5e-324', 5e-324, 5e-324],
  ['an empty string', '', ''],
  ['an empty array', [], []],
  ['an empty object', {}, {}],
  ['a top-level Buffer', Buffer.from([0, 1, 2, 255]), Buffer.from([0, 1, 2, 255])],
  ['an empty Buffer', Buffer.alloc(0), Buffer.alloc(0)],
  [
    'nested Buffer, Uint8Array and ArrayBuffer',
    { a: { b: [Buffer.from('hi'), new Uint8Array([9, 8, 7])] }, c: new Uint8Array([1, 2, 3, 4]).buffer, d: 'text' },
    { a: { b: [Buffer.from('hi'), Buffer.from([9, 8, 7])] }, c: Buffer.from([1, 2, 3, 4]), d: 'text' },
  ],
  ['a Uint8Array view into a larger buffer', new Uint8Array([0, 1, 2, 3, 4, 5]).subarray(2, 4), Buffer.from([2, 3])],
  ['binary that looks like the tag', { $bin: 'AAEC', bin: Buffer.from('AAEC') }, { $bin: 'AAEC', bin: Buffer.from('AAEC') }],
  [
    'astral and combining Unicode',
    { '🦄': '𝄞 e\u0301 \u{1F468}\u200D\u{1F469}\u200D\u{1F467}', ключ: '値' },
    { '🦄': '𝄞 e\u0301 \u{1F468}\u200D\u{1F469}\u200D\u{1F467}', ключ: '値' },
  ],
  ['NUL and control characters inside strings', { s: 'a\u0000b\u0001\n\t"\\' }, { s: 'a\u0000b\u0001\n\t"\\' }],
  [
    'operator-like keys',
    { $where: 'sleep(1000)', $gt: '', nested: { $ne: null, $set: { a: 1 } } },
    { $where: 'sleep(1000)', $gt: '', nested: { $ne: null, $set: { a: 1 } } },
  ],
  ['an object whose only key is $bin', { $bin: 'AAEC' }, { $bin: 'AAEC' }],
  ['keys that look escaped', { $$x: 1, $: 2, $$: 3, $bin: 'not binary' }, { $$x: 1, $: 2, $$: 3, $bin: 'not binary' }],
  ['dotted and SQL-ish keys', { 'a.b': 1, "'; drop table x; --": 2, '': 3 }, { 'a.b': 1, "'; drop table x; --": 2, '': 3 }],
  ['a long array', Array.from({ length: 1000 }, (_, i) => i), Array.from({ length: 1000 }, (_, i) => i)],
  [`nesting ${MAX_DATA_DEPTH} levels deep`, nested(MAX_DATA_DEPTH), nested(MAX_DATA_DEPTH)],
  ['a Date (as its ISO string, as Socket.IO sends it)', { at: new Date(0) }, { at: '1970-01-01T00:00:00.000Z' }],
  ['undefined properties (dropped, as in JSON)', { a: undefined, b: 1 }, { b: 1 }],
  ['undefined at the top level (stored as null)', undefined, null],
  ['NaN and Infinity (null, as in JSON)', [Number.NaN, Number.POSITIVE_INFINITY], [null, null]],
  [`objects nested ${MAX_DATA_DEPTH} levels deep`, nestedObjects(MAX_DATA_DEPTH), nestedObjects(MAX_DATA_DEPTH)],
  // What Socket.IO sends is toJSON's result, so only that is checked and stored.
  ['an object with toJSON (its result is stored)', { inner: { toJSON: () => ({ sent: true }), hidden: 1n } }, { inner: { sent: true } }],
  ['__proto__ beside a $-prefixed key', protoBesideDollarKey(), protoBesideDollarKey()],
  [
    'boxed primitives (as their values, as in JSON)',
    { n: new Number(1), s: new String('x'), b: new Boolean(false) },
    { n: 1, s: 'x', b: false },
  ],
  ['a toJSON that returns undefined (the property is dropped, as in JSON)', { gone: { toJSON: () => undefined }, kept: 1 }, { kept: 1 }],
];

/**
 * What a program can observe of a value, short of identity: -0, prototypes, every own key
 * (non-enumerable and symbol keys too) and whether it is an accessor. Two values with equal
 * shapes behave alike.
 */
function shape(value: unknown): unknown {
  if (typeof value === 'number') return Object.is(value, -0) ? '-0' : Number.isNaN(value) ? 'NaN' : value;
  if (typeof value === 'function' || typeof value === 'symbol' || value === undefined) return typeof value;
  if (value === null || typeof value !== 'object') return value;
  if (Buffer.isBuffer(value)) return { buffer: value.toString('hex') };
  const proto: unknown = Object.getPrototypeOf(value);
  const prototype = proto === Object.prototype ? 'Object' : proto === Array.prototype ? 'Array' : proto === null ? 'null' : 'other';
  const keys = Reflect.ownKeys(value).map((key) => {
    const descriptor = Object.getOwnPropertyDescriptor(value, key)!;
    const flags = [descriptor.enumerable, descriptor.configurable, descriptor.writable];
    return [String(key), flags, 'value' in descriptor ? shape(descriptor.value) : 'accessor'];
  });
  return { prototype, keys };
}

class Point {
  x = 1;
}
class List extends Array<number> {}

/** Values JSON changes, as `[label, data]`: what a read returns is what JSON makes of them. */
const CHANGED_BY_JSON: readonly [string, () => unknown][] = [
  // Built with an explicit `data` field (the `message` helper turns a missing one into null).
  ['undefined at the top level', () => undefined],
  ['a function at the top level', () => () => 1],
  ['a symbol at the top level', () => Symbol('s')],
  ['-0', () => -0],
  ['-0 in an array', () => [-0, 1]],
  ['Infinity at the top level', () => Number.POSITIVE_INFINITY],
  ['a null-prototype object', () => Object.assign(Object.create(null) as object, { a: 1 })],
  ['a class instance', () => ({ point: new Point() })],
  ['an Array subclass', () => List.from([1, 2])],
  [
    'a getter',
    () => ({
      get fixed() {
        return 1;
      },
    }),
  ],
  ['a non-enumerable property', () => Object.defineProperty({ a: 1 }, 'hidden', { value: 2, enumerable: false })],
  ['a symbol-keyed property', () => ({ a: 1, [Symbol('s')]: 2 })],
  ['function and symbol values', () => ({ f() {}, s: Symbol('x'), kept: 1 })],
  ['undefined, function and symbol in an array', () => [undefined, () => 1, Symbol('x'), 2]],
  ['Map and Set', () => ({ m: new Map([[1, 2]]), s: new Set([1]) })],
  ['a toJSON in an array', () => [{ toJSON: () => 'viewed' }]],
  ['a toJSON returning a function (dropped)', () => ({ gone: { toJSON: () => () => 1 }, kept: 1 })],
  ['a Date at the top level', () => new Date(0)],
  ['boxed primitives in an array', () => [new Number(-0), new String('s'), new Boolean(true)]],
  // toJSON gets the key it is stored under ('' at the top, the index in an array), also on the
  // path that escapes `$` keys.
  ['toJSON given its key', () => ({ a: { toJSON: (key: string) => `at ${key}` }, list: [{ toJSON: (key: string) => `at ${key}` }] })],
  [
    'toJSON given its key beside $ keys',
    () => ({ $a: { toJSON: (key: string) => ({ key, $x: 1 }) }, list: [{ toJSON: (key: string) => ({ key }) }] }),
  ],
  ['a top-level toJSON given the key ""', () => ({ toJSON: (key: string) => ({ key, $x: 1 }) })],
  [
    'a __proto__ key beside a $ key',
    () => Object.assign(withOwnKey('__proto__', { polluted: true }), { $op: [withOwnKey('__proto__', 1)] }),
  ],
];

/** Data the codec cannot store faithfully, with what the error message must say. */
const REFUSED_DATA: readonly [string, () => unknown, RegExp][] = [
  [`nesting ${MAX_DATA_DEPTH + 1} levels deep`, () => nested(MAX_DATA_DEPTH + 1), /nested deeper than 128 levels/],
  ['a lone surrogate in a string', () => ({ s: 'a\uD800' }), /lone UTF-16 surrogate/],
  ['a lone surrogate in a key', () => ({ ['\uDC00']: 1 }), /lone UTF-16 surrogate/],
  [
    'a circular reference',
    () => {
      const loop: Record<string, unknown> = {};
      loop.self = loop;
      return loop;
    },
    /circular reference/,
  ],
  ['a BigInt', () => [1n], /BigInt/],
  [`objects nested ${MAX_DATA_DEPTH + 1} levels deep`, () => nestedObjects(MAX_DATA_DEPTH + 1), /nested deeper than 128 levels/],
  [
    'a toJSON that throws',
    () => ({
      toJSON() {
        throw new Error('not today');
      },
    }),
    /cannot be encoded/,
  ],
  [
    // Counted small, written large: a store that encodes twice would store what it never counted.
    'a toJSON that answers longer the second time',
    () => {
      let calls = 0;
      return { text: { toJSON: () => 'x'.repeat(++calls * 10) } };
    },
    /changed while it was encoded/,
  ],
];

/** Rule 10 tests. */
export const fidelityTests = defineGroup('rule 10: data fidelity', null, (h) => {
  it.each(ROUND_TRIPS)('rule 10: %s reads back equal, on this and another instance', async (_, data, expected) => {
    const [writer, reader] = await h.openMany(2);
    const stream = freshStream();
    const [result] = await writer!.append([message(stream, data)]);
    expect(result?.message.data).toStrictEqual(expected);
    expect((await writer!.read(stream)).messages[0]?.data).toStrictEqual(expected);
    expect((await reader!.read(stream)).messages[0]?.data).toStrictEqual(expected);
  });

  it.each(CHANGED_BY_JSON)('rule 10: %s reads back as JSON makes it, and the append result is what a read returns', async (_, make) => {
    const [writer, reader] = await h.openMany(2);
    const stream = freshStream();
    const data = make();
    const expected = shape(JSON.parse(JSON.stringify(data) ?? 'null'));
    const [result] = await writer!.append([{ ...message(stream), data }]);
    expect(shape((await reader!.read(stream)).messages[0]?.data), 'rule 10: the data read back').toEqual(expected);
    expect(shape(result?.message.data), "rule 10: the append result's data differs from what a read returns").toEqual(expected);
  });

  it('rule 10: binary reads back as Buffer', async () => {
    const store = await h.open();
    const stream = freshStream();
    await store.append([message(stream, { u8: new Uint8Array([1]), ab: new ArrayBuffer(2), f32: new Float32Array([1.5]) })]);
    const data = (await store.read(stream)).messages[0]?.data as Record<string, unknown>;
    for (const key of ['u8', 'ab', 'f32']) expect(Buffer.isBuffer(data[key]), key).toBe(true);
    expect(data.f32).toEqual(Buffer.from(new Float32Array([1.5]).buffer));
  });

  it('rule 10: a __proto__ key round-trips as plain data and pollutes no prototype', async () => {
    const store = await h.open();
    const stream = freshStream();
    const data = { outer: withOwnKey('__proto__', { polluted: true, isAdmin: true }), list: [withOwnKey('__proto__', 1)] };
    await store.append([message(stream, data)]);
    const read = (await store.read(stream)).messages[0]?.data as Record<string, Record<string, unknown>>;
    const outer = read.outer!;
    expect(Object.keys(outer)).toEqual(['__proto__']);
    expect(Object.getPrototypeOf(outer)).toBe(Object.prototype);
    expect(Object.getOwnPropertyDescriptor(outer, '__proto__')?.value).toEqual({ polluted: true, isAdmin: true });
    expect((outer as { polluted?: unknown }).polluted).toBeUndefined();
    expect(({} as { polluted?: unknown; isAdmin?: unknown }).polluted).toBeUndefined();
    expect(({} as { isAdmin?: unknown }).isAdmin).toBeUndefined();
  });

  it('rule 10: constructor and prototype keys round-trip as plain data', async () => {
    const store = await h.open();
    const stream = freshStream();
    await store.append([message(stream, { constructor: { prototype: { polluted: true } }, prototype: 1 })]);
    const read = (await store.read(stream)).messages[0]?.data as Record<string, unknown>;
    expect(Object.keys(read)).toEqual(['constructor', 'prototype']);
    expect(JSON.stringify(read)).toBe('{"constructor":{"prototype":{"polluted":true}},"prototype":1}');
    expect(Object.getPrototypeOf(read)).toBe(Object.prototype);
    expect(({} as { polluted?: unknown }).polluted).toBeUndefined();
  });

  it.each(REFUSED_DATA)('rule 10: data with %s rejects INVALID_ARGUMENT, says why, and writes nothing', async (_, make, problem) => {
    const store = await h.open();
    const stream = freshStream();
    const error = await expectRoomlogError(store, 'INVALID_ARGUMENT', () => store.append([message(stream, 'ok'), message(stream, make())]));
    expect(error.message, 'rule 1: the message names data and says what is wrong with it').toMatch(/data /);
    expect(error.message, 'rule 1: the message names data and says what is wrong with it').toMatch(problem);
    await expectNothingWritten(store, stream);
  });

  it('rule 10: a payload of exactly maxPayloadBytes is accepted and one byte more rejects PAYLOAD_TOO_LARGE', async () => {
    const store = await h.open({ maxPayloadBytes: 1000 });
    const stream = freshStream();
    const fits = 'x'.repeat(998); // 998 characters + 2 quotes = 1000 JSON bytes
    const [ok] = await store.append([message(stream, fits)]);
    expect(ok?.message.data).toBe(fits);
    await expectRoomlogError(store, 'PAYLOAD_TOO_LARGE', () => store.append([message(stream, 'first'), message(stream, `${fits}x`)]));
    expect((await store.head(stream))?.seq).toBe(1);
  });

  it('rule 10: $-prefixed keys count as the JSON the caller sent, not any escaped form, against maxPayloadBytes', async () => {
    const store = await h.open({ maxPayloadBytes: 100 });
    const stream = freshStream();
    // {"$a":"…","$b":1} with the string sized so the JSON is exactly 100 bytes; $gone is dropped.
    const fits = (extra: number) => ({ $gone: undefined, $a: 'z'.repeat(100 - '{"$a":"","$b":1}'.length + extra), $b: 1 });
    expect(JSON.stringify(fits(0)).length).toBe(100);
    const [ok] = await store.append([message(stream, fits(0))]);
    expect(ok?.message.data, 'rule 10: a $-keyed payload of exactly maxPayloadBytes').toEqual({ $a: fits(0).$a, $b: 1 });
    await expectRoomlogError(
      store,
      'PAYLOAD_TOO_LARGE',
      () => store.append([message(stream, fits(1))]),
      'rule 10: a $-keyed payload one byte over',
    );
    expect((await store.head(stream))?.seq).toBe(1);
  });

  it('rule 10: quotes, backslashes and control characters count as their JSON escapes against maxPayloadBytes', async () => {
    const store = await h.open({ maxPayloadBytes: 100 });
    const stream = freshStream();
    // Each of '"', '\\', '\n' is 2 JSON bytes, '\u0001' is 6: 2 + 2 + 2 + 6 = 12, plus 2 quotes.
    const escapes = '"\\\n\u0001';
    const fits = (extra: number) => `${escapes}${'e'.repeat(100 - 14 + extra)}`;
    expect(Buffer.byteLength(JSON.stringify(fits(0)))).toBe(100);
    const [ok] = await store.append([message(stream, fits(0))]);
    expect(ok?.message.data, 'rule 10: escaped text of exactly maxPayloadBytes').toBe(fits(0));
    await expectRoomlogError(
      store,
      'PAYLOAD_TOO_LARGE',
      () => store.append([message(stream, fits(1))]),
      'rule 10: escaped text one byte over',
    );
    expect((await store.head(stream))?.seq).toBe(1);
  });

  it('rule 10: each character JSON escapes counts as its escape, in values and keys; others as their UTF-8 bytes', async () => {
    const store = await h.open({ maxPayloadBytes: 40 });
    const stream = freshStream();
    // Every control character, '"' and '\\' are escaped (2 or 6 bytes); ' ', '/', DEL and
    // U+2028 are not (1, 1, 1 and 3 bytes), also beside one that is: a counter that walks a
    // string character by character only once it needs escaping must still count them as-is.
    const unescaped = [' ', '/', '\u007f', '\u2028'];
    const special = [
      ...Array.from({ length: 32 }, (_, c) => String.fromCharCode(c)),
      '"',
      '\\',
      ...unescaped,
      ...unescaped.map((char) => `"${char}`),
    ];
    /** Data of exactly 40 + `extra` JSON bytes holding `char` (one or two characters) once, as a value and as a key. */
    const sized = (char: string, extra: number, inKey: boolean) => {
      const used = Buffer.byteLength(JSON.stringify(inKey ? { [char]: '' } : char));
      const pad = 'p'.repeat(40 - used + extra);
      return inKey ? { [char]: pad } : `${char}${pad}`;
    };
    let written = 0;
    for (const char of special) {
      for (const inKey of [false, true]) {
        const codes = [...char].map((c) => `U+${c.charCodeAt(0).toString(16).padStart(4, '0')}`).join(' ');
        const label = `${codes} in a ${inKey ? 'key' : 'value'}`;
        const fits = sized(char, 0, inKey);
        expect(Buffer.byteLength(JSON.stringify(fits))).toBe(40);
        const [ok] = await store.append([message(stream, fits)]);
        written++;
        expect(ok?.message.data, `rule 10: ${label}, exactly maxPayloadBytes`).toEqual(fits);
        const error = await expectRoomlogError(
          store,
          'PAYLOAD_TOO_LARGE',
          () => store.append([message(stream, sized(char, 1, inKey))]),
          `rule 10: ${label}, one byte over maxPayloadBytes`,
        );
        expect(error.message, 'rule 10: a PAYLOAD_TOO_LARGE message names the limit').toMatch(/over the limit of 40 bytes/);
      }
    }
    expect((await store.head(stream))?.seq).toBe(written);
  });

  it('rule 10: binary counts at its raw size against maxPayloadBytes', async () => {
    const store = await h.open({ maxPayloadBytes: 1000 });
    const stream = freshStream();
    await store.append([message(stream, Buffer.alloc(1000, 7))]);
    expect((await store.read(stream)).messages[0]?.data).toEqual(Buffer.alloc(1000, 7));
    await expectRoomlogError(store, 'PAYLOAD_TOO_LARGE', () => store.append([message(stream, Buffer.alloc(1001))]));
    // Multi-byte characters count as their UTF-8 bytes: 333 × 3 bytes + 2 quotes = 1001.
    await expectRoomlogError(store, 'PAYLOAD_TOO_LARGE', () => store.append([message(stream, '€'.repeat(333))]));
    expect((await store.head(stream))?.seq).toBe(1);
  });

  it('rule 10: the default limit is 1 MiB: exactly 1 MiB is accepted, one byte more is refused', async () => {
    const store = await h.open();
    const stream = freshStream();
    const fits = 'y'.repeat(DEFAULT_MAX_PAYLOAD_BYTES - 2);
    await store.append([message(stream, fits)]);
    expect((await store.read(stream)).messages[0]?.data).toBe(fits);
    await expectRoomlogError(store, 'PAYLOAD_TOO_LARGE', () => store.append([message(stream, `${fits}y`)]));
    expect((await store.head(stream))?.seq).toBe(1);
  });
});
