/**
 * A message's `data` as a native BSON value, so MongoDB users query it with their own code
 * (`find({ 'data.text': 'hi' })`): objects become sub-documents, arrays arrays, binary BSON
 * Binary. Caller keys a server cannot hold or that would mean something to it are escaped
 * reversibly (see {@link escapeKey}). What the connected server cannot hold at all (nested arrays
 * and NUL in strings on FerretDB v1, nesting beyond what BSON allows) is refused here, and the
 * store keeps that one message in the codec's encoded form instead.
 *
 * The input is always the codec's canonical value (what `decodeData` returns for the encoded
 * text), so a native document reads back exactly as the encoded form would: same JSON rules,
 * binary as `Buffer`.
 */

/** What the connected server can hold inside a document. */
export interface NativeRules {
  /** Arrays directly inside arrays (MongoDB yes; FerretDB v1 refuses them). */
  nestedArrays: boolean;
  /** NUL characters inside string values (MongoDB yes; FerretDB v1's PostgreSQL handler refuses them). */
  nulInStrings: boolean;
}

/** What MongoDB holds. */
export const MONGODB_RULES: NativeRules = { nestedArrays: true, nulInStrings: true };
/** What FerretDB v1 holds (its "known differences"; the SQLite handler takes NUL, PostgreSQL does not). */
export const FERRETDB_RULES: NativeRules = { nestedArrays: false, nulInStrings: false };

/**
 * Deepest nesting of `data` stored natively. BSON allows 100 levels per document and the message
 * document is one of them; the codec accepts 128, so the deepest data stays encoded.
 */
export const MAX_NATIVE_DEPTH = 64;

/** Keys escaped even though servers accept them: the BSON serializer would read them as type tags. */
const RESERVED_KEYS = new Set(['_bsontype']);
/** Characters escaped anywhere in a key: the escape itself, path separators and NUL (keys are C strings in BSON). */
const ESCAPED_ANYWHERE = /[%.\u0000]/g;

/**
 * A caller's key as a stored field name: `%`, `.`, NUL and a leading `$` become `%XX` (their
 * code in hex), the empty key becomes `%`, and `_bsontype` becomes `%5Fbsontype`. Every `%` in a
 * stored key comes from an escape, so {@link unescapeKey} undoes it exactly; keys without those
 * characters (almost all) are stored as they are, which is what makes `data.text` queryable.
 */
export function escapeKey(key: string): string {
  if (key === '') return '%';
  if (RESERVED_KEYS.has(key)) return `%5F${key.slice(1)}`;
  const escaped = key.replace(ESCAPED_ANYWHERE, hex);
  return escaped.charCodeAt(0) === 36 /* $ */ ? `%24${escaped.slice(1)}` : escaped;
}

/** The caller's key back from a stored field name (see {@link escapeKey}). */
export function unescapeKey(stored: string): string {
  if (stored === '%') return '';
  if (!stored.includes('%')) return stored;
  return stored.replace(/%([0-9A-F]{2})/g, (_, code: string) => String.fromCharCode(Number.parseInt(code, 16)));
}

function hex(char: string): string {
  return `%${char.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`;
}

/** Returned by {@link toNative} when the server cannot hold the value natively. */
export const UNFIT: unique symbol = Symbol('unfit');

/**
 * The stored form of a canonical data value, or {@link UNFIT}.
 * @param value - the codec's canonical value: JSON values and `Buffer`s only.
 */
export function toNative(value: unknown, rules: NativeRules): unknown {
  return convert(value, rules, 0, false);
}

function convert(value: unknown, rules: NativeRules, depth: number, inArray: boolean): unknown {
  if (value === null || typeof value !== 'object') {
    if (typeof value === 'string' && !rules.nulInStrings && value.includes('\u0000')) return UNFIT;
    return value;
  }
  // The driver writes a Buffer as BSON Binary (subtype 0).
  if (Buffer.isBuffer(value)) return value;
  if (depth >= MAX_NATIVE_DEPTH) return UNFIT;
  if (Array.isArray(value)) {
    if (inArray && !rules.nestedArrays) return UNFIT;
    const out: unknown[] = new Array(value.length);
    for (let i = 0; i < value.length; i++) {
      const item = convert(value[i], rules, depth + 1, true);
      if (item === UNFIT) return UNFIT;
      out[i] = item;
    }
    return out;
  }
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value)) {
    const item = convert((value as Record<string, unknown>)[key], rules, depth + 1, false);
    if (item === UNFIT) return UNFIT;
    defineData(out, escapeKey(key), item);
  }
  return out;
}

/** The caller's data back from its stored form: keys unescaped, BSON Binary as `Buffer`. */
export function fromNative(value: unknown): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map(fromNative);
  // The document as this process wrote it (an append's own result) holds the Buffer itself.
  if (Buffer.isBuffer(value)) return value;
  if (isBinary(value)) return Buffer.from(value.read(0, value.length()));
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value)) defineData(out, unescapeKey(key), fromNative((value as Record<string, unknown>)[key]));
  return out;
}

/** A BSON Binary, recognised by shape so a second copy of the driver in the app's tree is read the same. */
function isBinary(value: object): value is { read(position: number, length: number): Uint8Array; length(): number } {
  return (value as { _bsontype?: unknown })._bsontype === 'Binary';
}

/** Sets a property without ever invoking the `__proto__` setter. */
function defineData(target: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__') {
    Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
  } else {
    target[key] = value;
  }
}
