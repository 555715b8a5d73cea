/**
 * Decodes an entry as the Lua scripts store it (see `scripts.lua.ts`): twelve NUL-separated
 * fields, the codec's payload text last, empty meaning `null`.
 */
import { type MessageKind, type PreparedMessage, RoomlogError, type StoredMessage, type StreamRef, decodeData } from '@roomlog/core';

const KINDS: Readonly<Record<string, MessageKind>> = { m: 'message', e: 'edit', d: 'delete' };
const FIELD_COUNT = 12;

function orNull(text: string): string | null {
  return text === '' ? null : text;
}

function numberOrNull(text: string): number | null {
  return text === '' ? null : Number(text);
}

/**
 * The stored message behind `entry`. Its id is `<epoch>:<seq>`: unique across streams (epochs
 * are random per stream) and stable, without spending memory on a stored id per message.
 *
 * @throws RoomlogError `INTERNAL` when the entry is not in the expected format.
 */
export function decodeEntry(backend: string, stream: StreamRef, epoch: string, entry: string): StoredMessage {
  const f: string[] = [];
  let start = 0;
  for (let i = 1; i < FIELD_COUNT; i++) {
    const stop = entry.indexOf('\u0000', start);
    if (stop < 0) break;
    f.push(entry.slice(start, stop));
    start = stop + 1;
  }
  f.push(entry.slice(start));
  const kind = KINDS[f[3] ?? ''];
  if (f.length !== FIELD_COUNT || kind === undefined) {
    throw new RoomlogError('INTERNAL', 'stored entry is not in the expected format', {
      backend,
      cause: new Error(`malformed entry with ${f.length} fields`),
    });
  }
  const [seq, createdAt, expiresAt, , target, version, editedAt, deletedAt, senderId, clientMessageId, event, payload] =
    f as [string, string, string, string, string, string, string, string, string, string, string, string];
  return {
    namespace: stream.namespace,
    room: stream.room,
    seq: Number(seq),
    id: `${epoch}:${seq}`,
    epoch,
    event,
    data: payload === '' ? null : decodeData(payload, backend),
    senderId: orNull(senderId),
    clientMessageId: orNull(clientMessageId),
    createdAt: Number(createdAt),
    kind,
    target: numberOrNull(target),
    version: Number(version),
    editedAt: numberOrNull(editedAt),
    deletedAt: numberOrNull(deletedAt),
    expiresAt: numberOrNull(expiresAt),
  };
}

/** The stored form of a message this node just appended as `seq`, built without a read back. */
export function appendedMessage(backend: string, message: PreparedMessage, epoch: string, seq: number, createdAt: number): StoredMessage {
  return {
    namespace: message.namespace,
    room: message.room,
    seq,
    id: `${epoch}:${seq}`,
    epoch,
    event: message.event,
    // Decoded from the stored text, so the caller sees exactly what a read returns (binary as Buffer).
    data: decodeData(message.payload, backend),
    senderId: message.senderId,
    clientMessageId: message.clientMessageId,
    createdAt,
    kind: 'message',
    target: null,
    version: 1,
    editedAt: null,
    deletedAt: null,
    expiresAt: message.expiresAt,
  };
}
