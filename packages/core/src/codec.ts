/**
 * The data codec: turns a message's `data` into the text every backend stores, and back.
 *
 * The encoded form is JSON. Binary values become `{"$bin":"<base64>"}`, and every object key
 * of the caller's that starts with `$` gets one more `$` (`$where` is stored as `$$where`), so
 * a tag can never be confused with data and no stored key is ever an operator. Plain JSON
 * without binary or `$` keys is stored exactly as `JSON.stringify` writes it.
 *
 * Size is counted while `data` is walked, before anything is copied, and the walk stops as soon
 * as the count passes the limit. Socket.IO's parser hands back one `Buffer` for every placeholder
 * that names the same attachment, so a small packet can refer to one binary thousands of times:
 * every reference counts its bytes, and refusing such a packet costs memory proportional to the
 * packet, never to what it would expand to.
 *
 * The Socket.IO layer's own size and binary checks on incoming packets (`measureData`,
 * `countBinaries`) live in `socket/data-size.ts` and share this module's walk through its
 * internal exports ({@link measure}, {@link jsonView}, {@link isBinary}, {@link encodingError}).
 */
import { RoomlogError, invalidArgument, isRoomlogError } from './errors';

/** Deepest nesting of objects and arrays accepted in `data`. */
export const MAX_DATA_DEPTH = 128;

/** Default for `maxPayloadBytes`: 1 MiB. */
export const DEFAULT_MAX_PAYLOAD_BYTES = 1024 * 1024;

const BINARY_TAG = '$bin';
/** Length of `{"$bin":""}`, the tag around a binary's base64 text. */
const BINARY_TAG_OVERHEAD = 11;

/** The encoded form of `data`. */
export interface EncodedData {
  /** JSON text to store. */
  text: string;
  /** Size of the data as the payload limit counts it: UTF-8 bytes of its JSON, binary at raw size. */
  bytes: number;
  /** UTF-8 bytes of `text` (binary as its base64 tag, `$` keys escaped). */
  storedBytes: number;
  /** Binary values in the data, every reference counted (what Socket.IO sends as attachments). */
  binaries: number;
  /**
   * True when {@link decodeData} of `text` gives back a value equal to `data` in every way a
   * program can see short of identity (or a Proxy): only strings, finite numbers other than -0,
   * booleans, `null`, arrays of them and plain objects (prototype `Object.prototype`) whose own
   * properties are all enumerable string-keyed data properties, with no `toJSON`, no
   * `undefined` and no binary. Then the caller's value may stand in for the decoded one. Extra
   * named properties on an array are not detected.
   */
  exact: boolean;
}

/**
 * What the walk counts and carries. Internal: the Socket.IO layer's `measureData` reads
 * `bytes`, `storedBytes` and `binaries`.
 */
export interface WalkState {
  /** Size as the payload limit counts it (see {@link EncodedData.bytes}). */
  bytes: number;
  /** Size of the text {@link encodeData} stores (see {@link EncodedData.storedBytes}). */
  storedBytes: number;
  /** Binary values, every reference counted. */
  binaries: number;
  /** Whether the slow path (binary or `$` keys) is needed. */
  special: boolean;
  /** Nothing seen so far that JSON would change (see {@link EncodedData.exact}). */
  exact: boolean;
  seen: Set<object>;
  maxBytes: number;
  /** Called with the running count after each binary value; may throw to stop the walk. */
  onBinary: ((binaries: number) => void) | undefined;
  backend: string;
}

/** Whether `value` is binary data (a typed array, `DataView`, `Buffer` or `ArrayBuffer`). Internal. */
export function isBinary(value: object): value is ArrayBufferView | ArrayBuffer {
  return ArrayBuffer.isView(value) || value instanceof ArrayBuffer;
}

function binaryBytes(value: ArrayBufferView | ArrayBuffer): Buffer {
  if (value instanceof ArrayBuffer) return Buffer.from(value);
  return Buffer.from(value.buffer, value.byteOffset, value.byteLength);
}

/**
 * What `JSON.stringify` sees of a value: `toJSON` applied, boxed primitives unwrapped. The codec
 * stores what Socket.IO would send. Internal.
 */
export function jsonView(value: unknown, key: string): unknown {
  if (value === null || typeof value !== 'object' || isBinary(value)) return value;
  const toJSON = (value as { toJSON?: unknown }).toJSON;
  const viewed: unknown = typeof toJSON === 'function' ? toJSON.call(value, key) : value;
  if (viewed instanceof Number || viewed instanceof String || viewed instanceof Boolean) return viewed.valueOf();
  return viewed;
}

/** Values JSON leaves out of objects (and writes as `null` in arrays). */
function isDropped(value: unknown): boolean {
  return value === undefined || typeof value === 'function' || typeof value === 'symbol';
}

function checkString(backend: string, value: string): void {
  if (!value.isWellFormed()) {
    throw invalidArgument(backend, 'data', 'contains a lone UTF-16 surrogate, which no backend can store as text');
  }
}

/** Characters `JSON.stringify` escapes in a well-formed string. */
const NEEDS_ESCAPE = /["\\\u0000-\u001f]/;

/** UTF-8 bytes of a well-formed string as JSON writes it, quotes included. */
function jsonStringBytes(value: string): number {
  let bytes = Buffer.byteLength(value, 'utf8') + 2;
  if (!NEEDS_ESCAPE.test(value)) return bytes;
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c === 34 || c === 92 || c === 8 || c === 9 || c === 10 || c === 12 || c === 13) bytes += 1;
    else if (c < 32) bytes += 5; // \u00XX
  }
  return bytes;
}

function tooLarge(state: WalkState): RoomlogError {
  const problem = `data is over the limit of ${state.maxBytes} bytes (maxPayloadBytes)`;
  return new RoomlogError('PAYLOAD_TOO_LARGE', problem, { backend: state.backend, cause: new RangeError(problem) });
}

/** Counts `bytes` (and `stored` extra for the stored form); stops the walk past the limit. */
function add(state: WalkState, bytes: number, storedExtra = 0): void {
  state.bytes += bytes;
  state.storedBytes += bytes + storedExtra;
  if (state.bytes > state.maxBytes) throw tooLarge(state);
}

/**
 * Walks a value `jsonView` already produced: counts its JSON size and its binaries, and rejects
 * what cannot be stored faithfully (cycles, too deep, lone surrogates, BigInt).
 */
function walk(viewed: unknown, depth: number, state: WalkState): void {
  switch (typeof viewed) {
    case 'string':
      checkString(state.backend, viewed);
      return add(state, jsonStringBytes(viewed));
    case 'number':
      // NaN and ±Infinity become null, -0 becomes 0.
      if (!Number.isFinite(viewed) || Object.is(viewed, -0)) state.exact = false;
      return add(state, Number.isFinite(viewed) ? String(viewed).length : 4);
    case 'boolean':
      return add(state, viewed ? 4 : 5);
    case 'bigint':
      throw invalidArgument(state.backend, 'data', 'contains a BigInt, which JSON cannot carry');
    case 'object':
      break;
    default:
      // undefined, functions, symbols: `null` where JSON writes them at all (arrays, top level).
      state.exact = false;
      return add(state, 4);
  }
  if (viewed === null) return add(state, 4);
  if (isBinary(viewed)) {
    state.special = true;
    state.exact = false;
    state.binaries++;
    state.onBinary?.(state.binaries);
    const raw = viewed.byteLength;
    return add(state, raw, BINARY_TAG_OVERHEAD + 4 * Math.ceil(raw / 3) - raw);
  }
  if (depth >= MAX_DATA_DEPTH) {
    throw invalidArgument(state.backend, 'data', `is nested deeper than ${MAX_DATA_DEPTH} levels`);
  }
  if (state.seen.has(viewed)) throw invalidArgument(state.backend, 'data', 'contains a circular reference');
  state.seen.add(viewed);
  if (Array.isArray(viewed)) {
    add(state, viewed.length === 0 ? 2 : 1 + viewed.length); // brackets and commas
    if (state.exact && Object.getPrototypeOf(viewed) !== Array.prototype) state.exact = false;
    for (let i = 0; i < viewed.length; i++) walk(viewedItem(viewed[i], String(i), state), depth + 1, state);
  } else {
    let written = 0;
    add(state, 2);
    const keys = Object.keys(viewed);
    if (state.exact && !isPlainRecord(viewed, keys)) state.exact = false;
    for (const k of keys) {
      checkString(state.backend, k);
      const item = viewedItem((viewed as Record<string, unknown>)[k], k, state);
      if (isDropped(item)) {
        state.exact = false;
        continue;
      }
      const escaped = k.charCodeAt(0) === 36; /* $ */
      if (escaped) state.special = true;
      add(state, jsonStringBytes(k) + 1 + (written > 0 ? 1 : 0), escaped ? 1 : 0); // key, colon, comma
      written++;
      walk(item, depth + 1, state);
    }
  }
  state.seen.delete(viewed);
}

/** {@link jsonView} of a value about to be walked; a `toJSON` makes the data inexact. */
function viewedItem(value: unknown, key: string, state: WalkState): unknown {
  const viewed = jsonView(value, key);
  if (viewed !== value) state.exact = false;
  return viewed;
}

/**
 * True when `value` is a plain object whose own properties are exactly `keys` (enumerable,
 * string-keyed), all data properties: what JSON round-trips without loss.
 */
function isPlainRecord(value: object, keys: readonly string[]): boolean {
  // A null-prototype object decodes to an ordinary one.
  if (Object.getPrototypeOf(value) !== Object.prototype) return false;
  // Non-enumerable and symbol-keyed properties are left out of JSON.
  if (Reflect.ownKeys(value).length !== keys.length) return false;
  for (const k of keys) {
    // A getter may answer differently each time it is read.
    if (Object.getOwnPropertyDescriptor(value, k)?.get !== undefined) return false;
  }
  return true;
}

/**
 * Walks `data` once: its size as the payload limit counts it, its stored size, its binaries and
 * whether it round-trips exactly. Internal.
 *
 * @param maxBytes - the walk throws `PAYLOAD_TOO_LARGE` as soon as the size passes it.
 * @param backend - backend name for error messages.
 * @param onBinary - called after each binary value with the count so far (a cap throws from it).
 * @throws what the walk refuses, uncaught: wrap with {@link encodingError}.
 */
export function measure(data: unknown, maxBytes: number, backend: string, onBinary?: (binaries: number) => void): WalkState {
  const state: WalkState = {
    bytes: 0,
    storedBytes: 0,
    binaries: 0,
    special: false,
    exact: true,
    seen: new Set(),
    maxBytes,
    onBinary,
    backend,
  };
  walk(viewedItem(data, '', state), 0, state);
  return state;
}

/** Turns whatever encoding threw into the code the caller can act on. Internal. */
export function encodingError(thrown: unknown, backend: string): RoomlogError {
  if (isRoomlogError(thrown)) return thrown;
  // The engine's own limits (string length, call stack) are size limits.
  if (thrown instanceof RangeError) {
    return new RoomlogError('PAYLOAD_TOO_LARGE', `data is too large to encode: ${thrown.message}`, { backend, cause: thrown });
  }
  // A `toJSON` of the caller's that threw.
  return new RoomlogError('INVALID_ARGUMENT', 'data cannot be encoded', { backend, cause: thrown });
}

/** Copy of `value` (already through `jsonView`) with binary tagged and `$` keys escaped (slow path only). */
function tag(viewed: unknown): unknown {
  if (viewed === null || typeof viewed !== 'object') return viewed;
  if (isBinary(viewed)) return { [BINARY_TAG]: binaryBytes(viewed).toString('base64') };
  if (Array.isArray(viewed)) return viewed.map((item, i) => tag(jsonView(item, String(i))));
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(viewed)) {
    // Dropped values (undefined, functions, symbols) are copied as they are: JSON.stringify
    // leaves them out here as it does on the fast path.
    defineData(out, k.charCodeAt(0) === 36 ? `$${k}` : k, tag(jsonView((viewed as Record<string, unknown>)[k], k)));
  }
  return out;
}

/** Sets a property without ever invoking the `__proto__` setter. */
function defineData(target: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__') {
    Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
  } else {
    target[key] = value;
  }
}

/**
 * Encodes `data` for storage and enforces the payload limit. The size is counted first, without
 * a copy, so data over the limit is refused before any text is built.
 *
 * @param data - the message data.
 * @param maxPayloadBytes - largest accepted size in bytes (see {@link EncodedData.bytes}).
 * @param backend - backend name for error messages.
 * @throws RoomlogError `INVALID_ARGUMENT` for data that cannot be stored faithfully,
 *   `PAYLOAD_TOO_LARGE` above the limit or past the engine's own limits.
 */
export function encodeData(data: unknown, maxPayloadBytes: number, backend = 'core'): EncodedData {
  try {
    const state = measure(data, maxPayloadBytes, backend);
    // Top-level undefined, functions and symbols have no JSON form; Socket.IO sends null.
    const text = (state.special ? JSON.stringify(tag(jsonView(data, ''))) : JSON.stringify(data)) ?? 'null';
    // A `toJSON` that answers differently the second time could slip past the count.
    if (Buffer.byteLength(text, 'utf8') !== state.storedBytes) {
      throw invalidArgument(backend, 'data', 'changed while it was encoded (a toJSON that is not stable)');
    }
    return { text, bytes: state.bytes, storedBytes: state.storedBytes, binaries: state.binaries, exact: state.exact };
  } catch (thrown) {
    throw encodingError(thrown, backend);
  }
}

function untag(value: unknown): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) value[i] = untag(value[i]);
    return value;
  }
  const keys = Object.keys(value);
  const record = value as Record<string, unknown>;
  // Only a tag has the key `$bin` (the caller's own `$bin` is stored as `$$bin`), and a tag has no other.
  if (keys[0] === BINARY_TAG) return Buffer.from(record[BINARY_TAG] as string, 'base64');
  const out: Record<string, unknown> = {};
  for (const k of keys) {
    defineData(out, k.charCodeAt(0) === 36 ? k.slice(1) : k, untag(record[k]));
  }
  return out;
}

/**
 * Decodes text written by {@link encodeData}. Binary comes back as `Buffer`; `__proto__`
 * keys come back as plain own properties, never touching any prototype.
 *
 * @throws RoomlogError `INTERNAL` when the text is not valid encoded data.
 */
export function decodeData(text: string, backend = 'core'): unknown {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (cause) {
    throw new RoomlogError('INTERNAL', 'stored data is not valid JSON', { backend, cause });
  }
  // Only tagged or escaped text contains a key starting with `$`.
  return text.includes('"$') ? untag(parsed) : parsed;
}
