/**
 * Decodes an entry as the Lua scripts store it (see `scripts.lua.ts`): twelve NUL-separated
 * fields, the codec's payload text last, empty meaning `null`; an imported entry may add its
 * own id as a thirteenth.
 */
import { type MessageKind, RoomlogError, type StoredMessage, type StreamRef, storedMessage } from '@roomlog/core';

const KINDS: Readonly<Record<string, MessageKind>> = { m: 'message', e: 'edit', d: 'delete' };
const FIELD_COUNT = 12;

function orNull(text: string): string | null {
  return text === '' ? null : text;
}

function numberOrNull(text: string): number | null {
  return text === '' ? null : Number(text);
}

/**
 * The stored message behind `entry`; its id is {@link entryId}.
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
  // The payload, then (for an imported entry with an id of its own) NUL and that id.
  const rest = entry.slice(start);
  const idStop = rest.indexOf('\u0000');
  f.push(idStop < 0 ? rest : rest.slice(0, idStop));
  const importedId = idStop < 0 ? null : rest.slice(idStop + 1);
  const kind = KINDS[f[3] ?? ''];
  if (f.length !== FIELD_COUNT || kind === undefined) {
    throw new RoomlogError('INTERNAL', 'stored entry is not in the expected format', {
      backend,
      cause: new Error(`malformed entry with ${f.length} fields`),
    });
  }
  const [seq, createdAt, expiresAt, , target, version, editedAt, deletedAt, senderId, clientMessageId, event, payload] = f as [
    string,
    string,
    string,
    string,
    string,
    string,
    string,
    string,
    string,
    string,
    string,
    string,
  ];
  return storedMessage(backend, stream, epoch, {
    seq: Number(seq),
    id: importedId ?? entryId(epoch, seq),
    event,
    payload: orNull(payload),
    senderId: orNull(senderId),
    clientMessageId: orNull(clientMessageId),
    createdAt: Number(createdAt),
    kind,
    target: numberOrNull(target),
    version: Number(version),
    editedAt: numberOrNull(editedAt),
    deletedAt: numberOrNull(deletedAt),
    expiresAt: numberOrNull(expiresAt),
  });
}

/**
 * The id of the entry at `seq`: `<epoch>:<seq>`, unique across streams (epochs are random per
 * stream) and stable, without spending memory on a stored id per message.
 */
export function entryId(epoch: string, seq: number | string): string {
  return `${epoch}:${seq}`;
}
