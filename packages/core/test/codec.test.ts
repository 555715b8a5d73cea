import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { countBinaries } from '../src/socket/data-size';
import { DEFAULT_MAX_PAYLOAD_BYTES, MAX_DATA_DEPTH, decodeData, encodeData, isRoomlogError, measureData } from '../src/index';

const roundTrip = (data: unknown) => decodeData(encodeData(data, DEFAULT_MAX_PAYLOAD_BYTES).text);

/** An object with `key` as an own enumerable property, even for `__proto__`. */
function own(entries: readonly (readonly [string, unknown])[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of entries) Object.defineProperty(out, key, { value, enumerable: true, writable: true, configurable: true });
  return out;
}

/** Keys that collide with the codec's own markup or with prototypes. */
const trickyKey = fc.oneof(fc.string(), fc.constantFrom('$bin', '$$bin', '$$x', '$', '$$', '$where', '__proto__'));

/** JSON values with binary and tricky keys anywhere inside. */
const { value: storable } = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    fc.constantFrom(null, true, false, 0, -1.5, Number.MAX_SAFE_INTEGER, ''),
    fc.string(),
    fc.double({ noNaN: true, noDefaultInfinity: true }).map((n) => (Object.is(n, -0) ? 0 : n)),
    fc.uint8Array({ maxLength: 16 }).map((bytes) => Buffer.from(bytes)),
    fc.array(tie('value'), { maxLength: 4 }),
    fc.uniqueArray(fc.tuple(trickyKey, tie('value')), { maxLength: 4, selector: ([key]) => key }).map(own),
  ),
}));

function containsNegativeZero(value: unknown): boolean {
  if (Object.is(value, -0)) return true;
  if (value === null || typeof value !== 'object') return false;
  return Object.values(value).some(containsNegativeZero);
}

describe('codec', () => {
  it('round-trips JSON with binary, $-keys and __proto__ keys anywhere (property)', () => {
    fc.assert(
      fc.property(storable, (data) => {
        expect(roundTrip(data)).toStrictEqual(data);
      }),
      { numRuns: 500 },
    );
  });

  it('stores plain JSON exactly as JSON.stringify writes it', () => {
    const data = { a: [1, 'two', null], b: { c: true } };
    const text = JSON.stringify(data);
    expect(encodeData(data, 1000)).toEqual({ text, bytes: text.length, storedBytes: text.length, binaries: 0, exact: true });
  });

  it('calls data exact only when decoding its text gives an equal value back (property)', () => {
    fc.assert(
      fc.property(
        fc.anything({
          withBoxedValues: true,
          withDate: true,
          withMap: true,
          withSet: true,
          withNullPrototype: true,
          withSparseArray: true,
          withTypedArray: true,
          withObjectString: true,
        }),
        (data) => {
          let encoded: ReturnType<typeof encodeData>;
          try {
            encoded = encodeData(data, DEFAULT_MAX_PAYLOAD_BYTES);
          } catch {
            return; // refused (BigInt, lone surrogate, …): nothing is stored
          }
          if (encoded.exact) expect(decodeData(encoded.text)).toStrictEqual(data);
        },
      ),
      { numRuns: 1000 },
    );
    // Everything a Socket.IO client can send as JSON is exact, so its echo needs no decode.
    fc.assert(
      fc.property(fc.jsonValue(), (data) => {
        fc.pre(!containsNegativeZero(data));
        expect(encodeData(JSON.parse(JSON.stringify(data)), DEFAULT_MAX_PAYLOAD_BYTES).exact).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it('calls data inexact where JSON changes it: toJSON, undefined, -0, NaN, binary, getters, hidden keys, class instances', () => {
    const hidden = Object.defineProperty({ a: 1 }, 'b', { value: 2, enumerable: false });
    const getter = {
      get a() {
        return 1;
      },
    };
    class Point {
      x = 1;
    }
    for (const data of [
      new Date(0),
      { a: undefined },
      [undefined],
      -0,
      Number.NaN,
      Infinity,
      Buffer.from([1]),
      new Uint8Array(1),
      hidden,
      getter,
      new Point(),
      Object.create(null),
      { [Symbol('s')]: 1 },
      () => 1,
      undefined,
    ]) {
      expect(encodeData(data, 1000).exact).toBe(false);
    }
    for (const data of [null, 0, 'x', true, [], {}, { $where: 1 }, [1, [2, { b: null }]]]) {
      expect(encodeData(data, 1000).exact).toBe(true);
    }
  });

  it('tags binary and escapes every $-key, so user keys never look like tags or operators', () => {
    expect(encodeData({ b: Buffer.from([1, 2]) }, 1000).text).toBe('{"b":{"$bin":"AQI="}}');
    expect(encodeData({ $where: 1, $bin: 'x', $$x: 2 }, 1000).text).toBe('{"$$where":1,"$$bin":"x","$$$x":2}');
  });

  it('keeps a user object { $bin: "..." } an object, never a Buffer', () => {
    expect(roundTrip({ $bin: 'AQI=' })).toStrictEqual({ $bin: 'AQI=' });
    expect(roundTrip([{ $bin: 'AQI=' }, { $$bin: 'AQI=' }])).toStrictEqual([{ $bin: 'AQI=' }, { $$bin: 'AQI=' }]);
  });

  it('reads every binary type back as Buffer of the viewed bytes only', () => {
    const view = new Uint8Array([0, 1, 2, 3, 4]).subarray(1, 3);
    const decoded = roundTrip({ view, ab: new Uint8Array([9]).buffer, f: new Uint16Array([258]) }) as Record<string, unknown>;
    expect(decoded.view).toStrictEqual(Buffer.from([1, 2]));
    expect(decoded.ab).toStrictEqual(Buffer.from([9]));
    expect(decoded.f).toStrictEqual(Buffer.from(new Uint16Array([258]).buffer));
  });

  it('decodes __proto__ keys as own data without touching any prototype', () => {
    const decoded = roundTrip(own([['__proto__', { polluted: true }]])) as object;
    expect(Object.getPrototypeOf(decoded)).toBe(Object.prototype);
    expect(Object.keys(decoded)).toEqual(['__proto__']);
    expect(({} as { polluted?: boolean }).polluted).toBeUndefined();
  });

  it('counts size as UTF-8 bytes of the JSON, binary at raw size, escapes and tags free', () => {
    expect(encodeData('€', 1000).bytes).toBe(5); // quote + 3 bytes + quote
    expect(encodeData({ b: Buffer.alloc(10) }, 1000).bytes).toBe('{"b":}'.length + 10);
    expect(encodeData({ $a: 1 }, 1000).bytes).toBe('{"$a":1}'.length);
    expect(encodeData({ $a: undefined, b: 1 }, 1000).bytes).toBe('{"b":1}'.length);
    expect(encodeData(Buffer.alloc(5), 1000).bytes).toBe(5);
  });

  it('accepts exactly maxPayloadBytes and refuses one byte more with PAYLOAD_TOO_LARGE', () => {
    expect(encodeData('x'.repeat(98), 100).bytes).toBe(100);
    const error: unknown = (() => {
      try {
        encodeData('x'.repeat(99), 100);
      } catch (thrown) {
        return thrown;
      }
    })();
    expect(isRoomlogError(error) && error.code).toBe('PAYLOAD_TOO_LARGE');
  });

  it(`accepts ${MAX_DATA_DEPTH} levels of nesting and refuses one more`, () => {
    const nest = (depth: number) => {
      let value: unknown = 1;
      for (let i = 0; i < depth; i++) value = { v: value };
      return value;
    };
    expect(roundTrip(nest(MAX_DATA_DEPTH))).toStrictEqual(nest(MAX_DATA_DEPTH));
    expect(() => encodeData(nest(MAX_DATA_DEPTH + 1), DEFAULT_MAX_PAYLOAD_BYTES)).toThrow(/nested deeper/);
  });

  it.each([
    ['a lone surrogate', { s: '\uD83D' }],
    ['a lone surrogate key', { ['\uDE00x']: 1 }],
    ['a BigInt', { n: 10n }],
    [
      'a cycle',
      (() => {
        const a: unknown[] = [];
        a.push(a);
        return a;
      })(),
    ],
  ])('refuses %s with INVALID_ARGUMENT', (_, data) => {
    expect(() => encodeData(data, DEFAULT_MAX_PAYLOAD_BYTES)).toThrow(
      expect.objectContaining({ code: 'INVALID_ARGUMENT', name: 'RoomlogError' }),
    );
  });

  it('allows the same object twice when it is not a cycle', () => {
    const shared = { x: 1 };
    expect(roundTrip([shared, shared])).toStrictEqual([{ x: 1 }, { x: 1 }]);
  });

  it('applies JSON semantics: toJSON, dropped undefined, top-level undefined as null', () => {
    expect(roundTrip({ at: new Date(0), gone: undefined, f: () => 1 })).toStrictEqual({ at: '1970-01-01T00:00:00.000Z' });
    expect(roundTrip(undefined)).toBeNull();
    expect(roundTrip([undefined, Number.NaN])).toStrictEqual([null, null]);
  });

  it('counts a `$` key whose value toJSON drops as absent, like JSON.stringify does', () => {
    const data = { $a: { toJSON: () => undefined }, b: Buffer.from('x') };
    const { text, bytes } = encodeData(data, DEFAULT_MAX_PAYLOAD_BYTES);
    expect(decodeData(text)).toStrictEqual({ b: Buffer.from('x') });
    expect(bytes).toBe(Buffer.byteLength('{"b":}') + 1);
  });

  it('rejects text that is not JSON with INTERNAL and the parse error as cause', () => {
    expect(() => decodeData('{not json', 'redis')).toThrow(
      expect.objectContaining({
        code: 'INTERNAL',
        message: expect.stringMatching(/^\[roomlog\] \[redis\] /),
        cause: expect.any(SyntaxError),
      }),
    );
  });

  it('reports the size it stores: storedBytes is the UTF-8 size of the text, bytes the same with binary raw and tags free (property)', () => {
    const text = fc.string({ unit: fc.constantFrom('a', '"', '\\', '\n', '\u0001', '\u001f', '€', '😀', '\u2028', 'é') });
    const { value: sized } = fc.letrec<{ value: unknown }>((tie) => ({
      value: fc.oneof(
        { depthSize: 'small' },
        storable,
        text,
        fc.constantFrom(undefined, Number.NaN, Infinity, -0, 1e21, 5e-324, () => 1, Symbol('s')),
        fc.constant(new Date(0)),
        fc.array(tie('value'), { maxLength: 4 }),
        fc.uniqueArray(fc.tuple(fc.oneof(trickyKey, text), tie('value')), { maxLength: 4, selector: ([key]) => key }).map(own),
      ),
    }));
    fc.assert(
      fc.property(sized, (data) => {
        const encoded = encodeData(data, DEFAULT_MAX_PAYLOAD_BYTES);
        expect(encoded.storedBytes).toBe(Buffer.byteLength(encoded.text, 'utf8'));
        // Independently: JSON with every binary written as its raw byte count of placeholder characters.
        // (A replacer sees what toJSON made of a Buffer; the holder still has the Buffer itself.)
        const raw = JSON.stringify(data, function (this: Record<string, unknown>, key, value: unknown) {
          const original = this[key];
          return Buffer.isBuffer(original) ? `\u0000${'x'.repeat(original.length)}` : value;
        });
        const rawBytes = raw === undefined ? 4 : Buffer.byteLength(raw.replaceAll(/"\\u0000(x*)"/g, '$1'), 'utf8');
        expect(encoded.bytes).toBe(rawBytes);
        expect(measureData(data, { maxBytes: DEFAULT_MAX_PAYLOAD_BYTES })).toEqual({
          bytes: encoded.bytes,
          storedBytes: encoded.storedBytes,
          binaries: encoded.binaries,
        });
      }),
      { numRuns: 1000 },
    );
  });

  it('counts every reference to one shared binary, and refuses past the limit without building the text', () => {
    const shared = Buffer.alloc(700_000);
    // What socket.io-parser makes of a packet whose placeholders all name attachment 0.
    const data = { refs: Array.from({ length: 5_000 }, () => shared) };
    const heapBefore = process.memoryUsage().heapUsed;
    const started = performance.now();
    expect(() => encodeData(data, DEFAULT_MAX_PAYLOAD_BYTES)).toThrow(expect.objectContaining({ code: 'PAYLOAD_TOO_LARGE' }));
    expect(performance.now() - started).toBeLessThan(1_000);
    expect(process.memoryUsage().heapUsed - heapBefore).toBeLessThan(32 * 2 ** 20);
    expect(measureData([shared, shared], { maxBytes: 2 ** 30 }).bytes).toBe(1 + 1 + 1 + 2 * 700_000);
    expect(measureData([shared, shared], { maxBytes: 2 ** 30 }).binaries).toBe(2);
  });

  it('refuses more binary values than maxBinaries with PAYLOAD_TOO_LARGE', () => {
    const eleven = Array.from({ length: 11 }, () => Buffer.alloc(1));
    expect(measureData(eleven.slice(1), { maxBytes: 1000, maxBinaries: 10 }).binaries).toBe(10);
    expect(() => measureData(eleven, { maxBytes: 1000, maxBinaries: 10 })).toThrow(
      expect.objectContaining({ code: 'PAYLOAD_TOO_LARGE', message: expect.stringContaining('more than 10 binary values') }),
    );
  });

  it('countBinaries counts what measureData counts, on any storable data', () => {
    fc.assert(
      fc.property(storable, (data) => {
        expect(countBinaries(data, Number.POSITIVE_INFINITY)).toBe(measureData(data, { maxBytes: Number.POSITIVE_INFINITY }).binaries);
      }),
    );
  });

  it('countBinaries counts shared references, binaries a toJSON returns, and refuses past the cap', () => {
    const shared = Buffer.alloc(8);
    expect(countBinaries({ a: [shared, shared], b: { c: new Uint8Array(2) }, d: new ArrayBuffer(1) }, 10)).toBe(4);
    expect(countBinaries({ wrapped: { toJSON: () => [shared, shared] } }, 10)).toBe(2);
    expect(countBinaries('text', 0)).toBe(0);
    expect(() => countBinaries({ refs: Array.from({ length: 11 }, () => shared) }, 10)).toThrow(
      expect.objectContaining({ code: 'PAYLOAD_TOO_LARGE', message: expect.stringContaining('more than 10 binary values') }),
    );
  });

  it('countBinaries hands cyclic, too deep and huge data to the full walk, which still counts or refuses it', () => {
    const cyclic: Record<string, unknown> = { bin: Buffer.alloc(1) };
    cyclic.self = cyclic;
    expect(() => countBinaries(cyclic, 10)).toThrow(
      expect.objectContaining({ code: 'INVALID_ARGUMENT', message: expect.stringContaining('circular') }),
    );
    let deep: unknown = Buffer.alloc(1);
    for (let i = 0; i <= MAX_DATA_DEPTH; i++) deep = [deep];
    expect(() => countBinaries(deep, 10)).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    // Past the short walk's 10,000 objects the binaries at the end are still counted.
    const many: unknown[] = Array.from({ length: 12_000 }, () => ({}));
    many.push(...Array.from({ length: 11 }, () => Buffer.alloc(1)));
    expect(() => countBinaries(many, 10)).toThrow(expect.objectContaining({ code: 'PAYLOAD_TOO_LARGE' }));
    expect(countBinaries(many, 11)).toBe(11);
  });

  it('turns an engine RangeError into PAYLOAD_TOO_LARGE and a throwing toJSON into INVALID_ARGUMENT', () => {
    const deepToJSON = {
      toJSON: () => {
        throw new RangeError('Invalid string length');
      },
    };
    expect(() => encodeData(deepToJSON, 1000)).toThrow(
      expect.objectContaining({ code: 'PAYLOAD_TOO_LARGE', cause: expect.any(RangeError) }),
    );
    const throwing = {
      toJSON: () => {
        throw new Error('nope');
      },
    };
    expect(() => encodeData({ a: throwing }, 1000)).toThrow(
      expect.objectContaining({ code: 'INVALID_ARGUMENT', cause: expect.any(Error) }),
    );
    let calls = 0;
    const unstable = { toJSON: () => 'x'.repeat(++calls === 1 ? 1 : 500) };
    expect(() => encodeData(unstable, 1000)).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
  });
});
