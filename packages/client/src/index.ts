/**
 * `@roomlog/client`: Roomlog's client for `socket.io-client`. Runs in browsers and Node (no
 * Node-only imports).
 */
export {
  RoomlogClient,
  roomlogClient,
  type JoinOptions,
  type MessageHandler,
  type PendingSend,
  type ResetNotice,
  type RoomStatus,
  type RoomlogClientOptions,
  type SendOptions,
} from './client';
export { expandEntry } from './entry';
export { RoomlogError } from './errors';
export { memoryStorage, type RoomPosition, type RoomlogStorage } from './storage';
export { isWithheld } from './protocol';
export type {
  AnyEventData,
  CompactEntry,
  DeliveredEntry,
  EntryOf,
  EventDataMap,
  EventName,
  ErrorPayload,
  HistoryPage,
  MessageEnvelope,
  ReadReceipt,
  RoomlogErrorCode,
  StreamHead,
  SyncFrom,
  SyncReason,
  WireEntry,
  WithheldEnvelope,
} from './protocol';
