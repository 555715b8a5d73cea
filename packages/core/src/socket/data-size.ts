/**
 * The Socket.IO layer's size and binary accounting of incoming `data`: the per-socket byte
 * budget measures a packet before anything is stored, and the send path caps the binaries one
 * packet may carry. No store calls these; they share the codec's walk (`../codec`), so a packet
 * is measured exactly as `encodeData` would count it.
 */
import { MAX_DATA_DEPTH, encodingError, isBinary, jsonView, measure } from '../codec';
import { RoomlogError } from '../errors';

/** What {@link measureData} reports. */
export interface DataSize {
  /** Size as the payload limit counts it (see `EncodedData.bytes`). */
  bytes: number;
  /** Size of the text `encodeData` stores (see `EncodedData.storedBytes`). */
  storedBytes: number;
  /** Binary values, every reference counted. */
  binaries: number;
}

/** Limits of {@link measureData}. */
export interface SizeLimits {
  /** Largest accepted size in bytes (see `EncodedData.bytes`). */
  maxBytes: number;
  /** Most binary values accepted. @default no limit */
  maxBinaries?: number | undefined;
}

function tooManyBinaries(maxBinaries: number, backend: string): RoomlogError {
  return new RoomlogError('PAYLOAD_TOO_LARGE', `data carries more than ${maxBinaries} binary values`, {
    backend,
    cause: new RangeError(`more than ${maxBinaries} binary values`),
  });
}

/**
 * Measures `data` without copying it: its size as the payload limit counts it, the size of its
 * stored text, and its binary values. Stops as soon as a limit is passed.
 *
 * @param data - the message data.
 * @param limits - largest size in bytes, and optionally most binary values.
 * @param backend - backend name for error messages.
 * @throws RoomlogError `INVALID_ARGUMENT` for data that cannot be stored faithfully,
 *   `PAYLOAD_TOO_LARGE` above a limit.
 */
export function measureData(data: unknown, limits: SizeLimits, backend = 'core'): DataSize {
  const { maxBinaries } = limits;
  // The cap is checked as each binary is counted, so a packet far past it stops early.
  const onBinary =
    maxBinaries === undefined
      ? undefined
      : (binaries: number): void => {
          if (binaries > maxBinaries) throw tooManyBinaries(maxBinaries, backend);
        };
  try {
    const { bytes, storedBytes, binaries } = measure(data, limits.maxBytes, backend, onBinary);
    return { bytes, storedBytes, binaries };
  } catch (thrown) {
    throw encodingError(thrown, backend);
  }
}

/**
 * Objects and arrays {@link countBinaries} visits before it hands the data to the full walk: far
 * more than any chat message holds, few enough that shared references cannot multiply the work.
 */
const LEAN_WALK_BUDGET = 10_000;

interface LeanState {
  binaries: number;
  containers: number;
  maxBinaries: number;
}

/**
 * Counts the binaries under a value `jsonView` already produced, visiting objects and arrays only.
 * @returns false when it gave up: past the cap, too deep, or past {@link LEAN_WALK_BUDGET} (a
 *   cycle, or references shared so often that only the full walk's bookkeeping bounds them).
 */
function leanCount(viewed: unknown, depth: number, state: LeanState): boolean {
  if (viewed === null || typeof viewed !== 'object') return true;
  if (isBinary(viewed)) {
    state.binaries++;
    // Past the cap the full walk decides, so the error is what it always was (a cycle through a
    // binary is refused as circular, not as too many binaries).
    return state.binaries <= state.maxBinaries;
  }
  state.containers++;
  if (depth >= MAX_DATA_DEPTH || state.containers > LEAN_WALK_BUDGET) return false;
  if (Array.isArray(viewed)) {
    for (let i = 0; i < viewed.length; i++) {
      const item: unknown = viewed[i];
      if (item !== null && typeof item === 'object' && !leanCount(jsonView(item, String(i)), depth + 1, state)) return false;
    }
    return true;
  }
  for (const k of Object.keys(viewed)) {
    const item: unknown = (viewed as Record<string, unknown>)[k];
    if (item !== null && typeof item === 'object' && !leanCount(jsonView(item, k), depth + 1, state)) return false;
  }
  return true;
}

/**
 * The binary values in `data` as {@link measureData} counts them (every reference, `toJSON`
 * applied), without measuring anything else: a cap on binaries checked before a store encodes
 * the data costs a walk over its objects only, not a second full walk. Data the short walk
 * gives up on (past the cap, deeper than `MAX_DATA_DEPTH`, cyclic, or over 10,000 objects)
 * goes through {@link measureData}, so every refusal is exactly the full walk's.
 *
 * @param data - the message data.
 * @param maxBinaries - most binary values accepted.
 * @param backend - backend name for error messages.
 * @returns the number of binary values.
 * @throws RoomlogError `PAYLOAD_TOO_LARGE` past `maxBinaries`; what {@link measureData} throws
 *   for data handed to it.
 */
export function countBinaries(data: unknown, maxBinaries: number, backend = 'core'): number {
  const state: LeanState = { binaries: 0, containers: 0, maxBinaries };
  let counted: boolean;
  try {
    counted = leanCount(jsonView(data, ''), 0, state);
  } catch (thrown) {
    // A `toJSON` of the caller's that threw.
    throw encodingError(thrown, backend);
  }
  return counted ? state.binaries : measureData(data, { maxBytes: Number.POSITIVE_INFINITY, maxBinaries }, backend).binaries;
}
