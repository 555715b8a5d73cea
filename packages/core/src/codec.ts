/**
 * The data codec: turns a message's `data` into the text every backend stores, and back.
 *
 * The encoded form is JSON. Binary values become `{"$bin":"<base64>"}`, and every object key
 * of the caller's that starts with `$` gets one more `$` (`$where` is stored as `$$where`), so
 * a tag can never be confused with data and no stored key is ever an operator. Plain JSON
 * without binary or `$` keys is stored exactly as `JSON.stringify` writes it.
 */
import { RoomlogError, invalidArgument } from './errors';

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
}

interface ScanState {
  special: boolean;
  seen: Set<object>;
}

function isBinary(value: object): value is ArrayBufferView | ArrayBuffer {
  return ArrayBuffer.isView(value) || value instanceof ArrayBuffer;
}

function binaryBytes(value: ArrayBufferView | ArrayBuffer): Buffer {
  if (value instanceof ArrayBuffer) return Buffer.from(value);
  return Buffer.from(value.buffer, value.byteOffset, value.byteLength);
}

/** Applies `toJSON` the way `JSON.stringify` does, so the codec sees what Socket.IO would send. */
function jsonView(value: unknown, key: string): unknown {
  if (value !== null && typeof value === 'object' && !isBinary(value)) {
    const toJSON = (value as { toJSON?: unknown }).toJSON;
    if (typeof toJSON === 'function') return toJSON.call(value, key);
  }
  return value;
}

function checkString(backend: string, value: string): void {
  if (!value.isWellFormed()) {
    throw invalidArgument(backend, 'data', 'contains a lone UTF-16 surrogate, which no backend can store as text');
  }
}

/**
 * Walks `data` once: rejects what cannot be stored faithfully (cycles, too deep, lone
 * surrogates, BigInt) and reports whether the slow path (binary or `$` keys) is needed.
 */
function scan(backend: string, value: unknown, key: string, depth: number, state: ScanState): void {
  const viewed = jsonView(value, key);
  switch (typeof viewed) {
    case 'string':
      checkString(backend, viewed);
      return;
    case 'bigint':
      throw invalidArgument(backend, 'data', 'contains a BigInt, which JSON cannot carry');
    case 'object':
      break;
    default:
      return;
  }
  if (viewed === null) return;
  if (isBinary(viewed)) {
    state.special = true;
    return;
  }
  if (depth >= MAX_DATA_DEPTH) {
    throw invalidArgument(backend, 'data', `is nested deeper than ${MAX_DATA_DEPTH} levels`);
  }
  if (state.seen.has(viewed)) throw invalidArgument(backend, 'data', 'contains a circular reference');
  state.seen.add(viewed);
  if (Array.isArray(viewed)) {
    for (let i = 0; i < viewed.length; i++) scan(backend, viewed[i], String(i), depth + 1, state);
  } else {
    for (const k of Object.keys(viewed)) {
      checkString(backend, k);
      if (k.charCodeAt(0) === 36 /* $ */) state.special = true;
      scan(backend, (viewed as Record<string, unknown>)[k], k, depth + 1, state);
    }
  }
  state.seen.delete(viewed);
}

interface TagCounts {
  /** Bytes the tags add beyond the data's own JSON size. */
  overhead: number;
}

/** Copy of `value` with binary tagged and `$` keys escaped (slow path only). */
function tag(value: unknown, key: string, counts: TagCounts): unknown {
  const viewed = jsonView(value, key);
  if (viewed === null || typeof viewed !== 'object') return viewed;
  if (isBinary(viewed)) {
    const bytes = binaryBytes(viewed);
    const base64 = bytes.toString('base64');
    counts.overhead += BINARY_TAG_OVERHEAD + base64.length - bytes.byteLength;
    return { [BINARY_TAG]: base64 };
  }
  if (Array.isArray(viewed)) return viewed.map((item, i) => tag(item, String(i), counts));
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(viewed)) {
    const item = tag((viewed as Record<string, unknown>)[k], k, counts);
    const escaped = k.charCodeAt(0) === 36 ? `$${k}` : k;
    if (escaped !== k && !isDropped(item)) counts.overhead += 1;
    defineData(out, escaped, item);
  }
  return out;
}

/** Values JSON leaves out of objects. */
function isDropped(value: unknown): boolean {
  return value === undefined || typeof value === 'function' || typeof value === 'symbol';
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
 * Encodes `data` for storage and enforces the payload limit.
 *
 * @param data - the message data.
 * @param maxPayloadBytes - largest accepted size in bytes (see {@link EncodedData.bytes}).
 * @param backend - backend name for error messages.
 * @throws RoomlogError `INVALID_ARGUMENT` for data that cannot be stored faithfully,
 *   `PAYLOAD_TOO_LARGE` above the limit.
 */
export function encodeData(data: unknown, maxPayloadBytes: number, backend = 'core'): EncodedData {
  const state: ScanState = { special: false, seen: new Set() };
  scan(backend, data, '', 0, state);
  let text: string | undefined;
  let overhead = 0;
  if (state.special) {
    const counts: TagCounts = { overhead: 0 };
    text = JSON.stringify(tag(data, '', counts));
    overhead = counts.overhead;
  } else {
    text = JSON.stringify(data);
  }
  // Top-level undefined, functions and symbols have no JSON form; Socket.IO sends null.
  if (text === undefined) text = 'null';
  const bytes = Buffer.byteLength(text, 'utf8') - overhead;
  if (bytes > maxPayloadBytes) {
    throw new RoomlogError('PAYLOAD_TOO_LARGE', `data is ${bytes} bytes, over the limit of ${maxPayloadBytes}`, {
      backend,
      cause: new RangeError(`payload of ${bytes} bytes exceeds maxPayloadBytes=${maxPayloadBytes}`),
    });
  }
  return { text, bytes };
}

function untag(value: unknown): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) value[i] = untag(value[i]);
    return value;
  }
  const keys = Object.keys(value);
  const record = value as Record<string, unknown>;
  if (keys.length === 1 && keys[0] === BINARY_TAG && typeof record[BINARY_TAG] === 'string') {
    return Buffer.from(record[BINARY_TAG], 'base64');
  }
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
