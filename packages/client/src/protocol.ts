/**
 * The wire protocol, shared with the server by a types-only import of `@roomlog/core`: the client
 * has no runtime dependency on core (which is Node-only), and its published `.d.ts` inlines these
 * types, so users install core only on the server. The event names are repeated as values, and the
 * type annotation makes the compiler reject any drift from the server's.
 */
import type { ROOMLOG_EVENTS, WithheldEnvelope } from '@roomlog/core';

export type {
  Ack,
  AnyEventData,
  CompactEntry,
  DeliveredEntry,
  DroppedSend,
  EntryOf,
  EventDataMap,
  EventName,
  ErrorPayload,
  HeadHint,
  HistoryPage,
  HistoryRequest,
  MessageEnvelope,
  PresentedSend,
  ReadReceipt,
  RoomOffset,
  RoomlogErrorCode,
  SendAck,
  StoredSend,
  StreamHead,
  SyncAck,
  SyncFrom,
  SyncReason,
  SyncRoomResult,
  WireEntry,
  WithheldEnvelope,
} from '@roomlog/core';

/** Roomlog's event names; identical to the server's `ROOMLOG_EVENTS`. */
export const EVENTS: typeof ROOMLOG_EVENTS = {
  message: 'roomlog:message',
  receipt: 'roomlog:receipt',
  head: 'roomlog:head',
  sync: 'roomlog:sync',
  history: 'roomlog:history',
  leave: 'roomlog:leave',
  edit: 'roomlog:edit',
  delete: 'roomlog:delete',
  markRead: 'roomlog:mark-read',
  unread: 'roomlog:unread',
};

/**
 * True when the server's `beforeDeliver` withheld the entry from you: only its place (`room`,
 * `seq`, `epoch`) is known. `false` narrows to the full entry. (The same test as core's.)
 */
export function isWithheld<Entry extends object>(entry: Entry | WithheldEnvelope): entry is WithheldEnvelope {
  return (entry as Partial<WithheldEnvelope>).withheld === true;
}
