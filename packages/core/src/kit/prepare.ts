/**
 * Turns an `append` batch into validated, encoded rows grouped by stream, so a backend
 * only has to allocate seqs and write. Everything here runs before any I/O: an invalid
 * message rejects the whole batch and nothing is written (rule 1).
 */
import { decodeData, encodeData } from '../codec';
import { invalidArgument, unsupported } from '../errors';
import { streamKey } from '../ids';
import type { ResolvedStoreOptions } from './options';
import type { AppendResult, NewMessage } from '../store';
import { MAX_ID_BYTES, MAX_NAME_BYTES, describeValue, validateInteger, validateOptionalText, validateText } from '../validation';

/** {@link PreparedMessage.value} of data that only decoding its stored text reproduces. */
export const NOT_EXACT: unique symbol = Symbol('roomlog.notExact');

/** One validated message of a batch. */
export interface PreparedMessage {
  /** Position in the caller's batch. */
  index: number;
  namespace: string;
  room: string;
  /** {@link streamKey} of `(namespace, room)`. */
  stream: string;
  event: string;
  /** `data` encoded by the codec. */
  payload: string;
  /**
   * The caller's `data` when decoding `payload` would give an equal value (the codec's
   * {@link EncodedData.exact}); else {@link NOT_EXACT}. Read it through {@link appendedData}.
   */
  value: unknown;
  /** Size of `data` as the payload limit counts it. */
  payloadBytes: number;
  senderId: string | null;
  clientMessageId: string | null;
  /** Absolute expiry (ms since epoch) from `ttlMs`, or `null`. */
  expiresAt: number | null;
  /**
   * Index of an earlier message in this batch with the same stream and `clientMessageId`;
   * such a message is not written and resolves to that one's result with `duplicate: true`.
   */
  duplicateOf: number | null;
}

/** The messages of one stream in a batch, in input order, in-batch duplicates removed. */
export interface PreparedStream {
  namespace: string;
  room: string;
  stream: string;
  messages: PreparedMessage[];
}

/** A validated batch. */
export interface PreparedBatch {
  /** Every message, in input order. */
  messages: PreparedMessage[];
  /** The messages to write, grouped by stream, streams in order of first appearance. */
  streams: PreparedStream[];
  /** The batch's timestamp (ms since epoch), the `createdAt` of every message in it. */
  createdAt: number;
}

/**
 * Validates and encodes a batch.
 *
 * @param backend - backend name for error messages.
 * @param batch - the caller's messages.
 * @param options - resolved store options (payload limit, clock).
 * @param supportsTtl - whether the store implements `ttlMs`; if not, a message with one is refused.
 * @throws RoomlogError `INVALID_ARGUMENT`, `PAYLOAD_TOO_LARGE` or `UNSUPPORTED`; nothing is written.
 */
export function prepareBatch(
  backend: string,
  batch: readonly NewMessage[],
  options: ResolvedStoreOptions,
  supportsTtl: boolean,
): PreparedBatch {
  if (!Array.isArray(batch)) throw invalidArgument(backend, 'batch', `must be an array, got ${describeValue(batch)}`);
  const createdAt = options.now();
  const messages: PreparedMessage[] = [];
  const streams = new Map<string, PreparedStream>();
  // Per stream, the first index of each clientMessageId; made only for a stream that gets a
  // second message with one, so a batch of distinct streams (or of one message) builds none.
  const firstByClientId = new Map<PreparedStream, Map<string, number>>();
  let group: PreparedStream | undefined;
  for (let index = 0; index < batch.length; index++) {
    const message = prepareMessage(backend, batch[index], index, options, supportsTtl, createdAt);
    messages.push(message);
    // Consecutive messages of one room (the busy case) share the previous one's group and key.
    if (group === undefined || group.room !== message.room || group.namespace !== message.namespace) {
      const stream = streamKey(message.namespace, message.room);
      group = streams.get(stream);
      if (!group) {
        group = { namespace: message.namespace, room: message.room, stream, messages: [] };
        streams.set(stream, group);
      }
    }
    message.stream = group.stream;
    if (message.clientMessageId !== null && group.messages.length > 0) {
      const first = firstInGroup(firstByClientId, group, message.clientMessageId, index);
      if (first !== undefined) {
        message.duplicateOf = first;
        continue;
      }
    }
    group.messages.push(message);
  }
  return { messages, streams: [...streams.values()], createdAt };
}

/**
 * The index of the first message of `group` with `clientMessageId`, or `undefined` (then the
 * message at `index` is recorded as that first). A group holds no two messages with one id.
 */
function firstInGroup(
  firstByClientId: Map<PreparedStream, Map<string, number>>,
  group: PreparedStream,
  clientMessageId: string,
  index: number,
): number | undefined {
  let seen = firstByClientId.get(group);
  if (!seen) {
    seen = new Map();
    for (const earlier of group.messages) if (earlier.clientMessageId !== null) seen.set(earlier.clientMessageId, earlier.index);
    firstByClientId.set(group, seen);
  }
  const first = seen.get(clientMessageId);
  if (first === undefined) seen.set(clientMessageId, index);
  return first;
}

function prepareMessage(
  backend: string,
  input: unknown,
  index: number,
  options: ResolvedStoreOptions,
  supportsTtl: boolean,
  createdAt: number,
): PreparedMessage {
  if (input === null || typeof input !== 'object') {
    throw invalidArgument(backend, `batch[${index}]`, `must be a message object, got ${describeValue(input)}`);
  }
  const m = input as Record<string, unknown>;
  const namespace = validateText(backend, 'namespace', m.namespace, MAX_NAME_BYTES);
  const room = validateText(backend, 'room', m.room, MAX_NAME_BYTES);
  const event = validateText(backend, 'event', m.event, MAX_NAME_BYTES);
  const senderId = validateOptionalText(backend, 'senderId', m.senderId, MAX_ID_BYTES);
  const clientMessageId = validateOptionalText(backend, 'clientMessageId', m.clientMessageId, MAX_ID_BYTES);
  let expiresAt: number | null = null;
  if (m.ttlMs !== undefined && m.ttlMs !== null) {
    const ttlMs = validateInteger(backend, 'ttlMs', m.ttlMs, 1);
    if (!supportsTtl) throw unsupported(backend, 'ttlMs');
    expiresAt = createdAt + ttlMs;
  }
  const { text, bytes, exact } = encodeData(m.data, options.maxPayloadBytes, backend);
  return {
    index,
    namespace,
    room,
    // Set by `prepareBatch`, which reuses one key for every message of a stream.
    stream: '',
    event,
    payload: text,
    value: exact ? m.data : NOT_EXACT,
    payloadBytes: bytes,
    senderId,
    clientMessageId,
    expiresAt,
    duplicateOf: null,
  };
}

/**
 * The `data` of a message this store just wrote, as a read would return it: the caller's own
 * value when JSON round-trips it exactly, so the append result costs no second decode of what
 * was just encoded; else the decoded stored text (binary as `Buffer`, `toJSON` applied). The
 * result may therefore be the caller's object itself.
 *
 * @param message - the prepared message.
 * @param backend - backend name for error messages.
 */
export function appendedData(message: PreparedMessage, backend: string): unknown {
  return message.value === NOT_EXACT ? decodeData(message.payload, backend) : message.value;
}

/**
 * Completes a batch's results: fills each in-batch duplicate from the message it repeats.
 *
 * @param batch - the prepared batch.
 * @param written - results by input index for every message that is not an in-batch duplicate.
 * @returns results in input order.
 */
export function completeResults(batch: PreparedBatch, written: ReadonlyMap<number, AppendResult>): AppendResult[] {
  return batch.messages.map((message) => {
    if (message.duplicateOf !== null) {
      const original = written.get(message.duplicateOf);
      if (!original) throw new Error(`no result for batch[${message.duplicateOf}]`);
      return { message: original.message, duplicate: true };
    }
    const result = written.get(message.index);
    if (!result) throw new Error(`no result for batch[${message.index}]`);
    return result;
  });
}
