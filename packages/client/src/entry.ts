/**
 * The wire form of entries and acks back to what app code sees: the server leaves every field
 * at its default out of an entry, and answers a send with only what the sender lacks.
 */
import type { CompactEntry, DeliveredEntry, MessageEnvelope, StoredSend, WireEntry, WithheldEnvelope } from './protocol';

/**
 * The full {@link MessageEnvelope} behind a compact entry as the server sends it (every field
 * left out is at its default: `null`, kind `'message'`, version 1). A withheld entry comes back
 * as it is. For clients other than `RoomlogClient` that read Roomlog's events themselves.
 *
 * @param entry - a `roomlog:message` payload, or an entry of a sync, history or edit/delete ack.
 */
export function expandEntry(entry: CompactEntry): MessageEnvelope;
export function expandEntry(entry: WithheldEnvelope): WithheldEnvelope;
export function expandEntry(entry: WireEntry): DeliveredEntry;
export function expandEntry(entry: WireEntry): DeliveredEntry {
  if ('withheld' in entry) return entry;
  return {
    room: entry.room,
    seq: entry.seq,
    id: entry.id,
    epoch: entry.epoch,
    event: entry.event,
    data: entry.data ?? null,
    senderId: entry.senderId ?? null,
    createdAt: entry.createdAt,
    kind: entry.kind ?? 'message',
    target: entry.target ?? null,
    version: entry.version ?? 1,
    editedAt: entry.editedAt ?? null,
    deletedAt: entry.deletedAt ?? null,
  };
}

/**
 * The stored entry behind a send's ack: the sender's own `event` and `data` unless the ack
 * carries the stored ones (the server changed them, or the send was a duplicate of another).
 *
 * @param room - the room sent to.
 * @param event - the event sent.
 * @param data - the data sent.
 * @param ack - the ack's body.
 */
export function sentEntry(room: string, event: string, data: unknown, ack: StoredSend): MessageEnvelope {
  return {
    room,
    seq: ack.seq,
    id: ack.id,
    epoch: ack.epoch,
    event: ack.event ?? event,
    // `'data' in ack`, not `??`: the stored data may be `null` where the sent data was not.
    data: 'data' in ack ? ack.data : (data ?? null),
    senderId: ack.senderId ?? null,
    createdAt: ack.createdAt,
    kind: 'message',
    target: null,
    version: 1,
    editedAt: null,
    deletedAt: null,
  };
}
