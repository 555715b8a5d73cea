/**
 * `@roomlog/core`: the store contract, errors, codec, the store kit and validation helpers for
 * backends, `MemoryStore` (the reference backend) and the wire protocol's types. Nothing here
 * needs Socket.IO; the integration (`roomlog(io, …)` and its hooks) is `@roomlog/core/socket.io`.
 */
export type {
  AppendOptions,
  AppendResult,
  BaseStoreOptions,
  CursorInfo,
  CursorList,
  CursorListQuery,
  ImportEntry,
  ImportResult,
  ImportStream,
  MessageKind,
  MessageStore,
  NewMessage,
  ReadQuery,
  ReadResult,
  RetentionOptions,
  StoreCapabilities,
  StoredMessage,
  StreamHead,
  StreamInfo,
  StreamList,
  StreamListQuery,
  StreamRef,
} from './store';
export {
  prepareImport,
  entriesToWrite,
  epochConflict,
  normalizeStreamListQuery,
  encodeStreamCursor,
  decodeStreamCursor,
  invalidStreamCursor,
  normalizeCursorListQuery,
  encodeUserCursor,
  decodeUserCursor,
  invalidCursorPosition,
  DEFAULT_CURSOR_LIST_LIMIT,
  isUuid,
  uuidForImport,
  MAX_IMPORT_ENTRIES,
  DEFAULT_STREAM_LIST_LIMIT,
  MAX_STREAM_LIST_LIMIT,
  type PreparedImport,
  type PreparedImportEntry,
} from './import';
export {
  RoomlogError,
  ROOMLOG_ERROR_CODES,
  isRoomlogError,
  toRoomlogError,
  invalidArgument,
  busy,
  notFound,
  unsupported,
  isNetworkError,
  type RoomlogErrorCode,
  type RoomlogErrorOptions,
} from './errors';
export {
  encodeData,
  decodeData,
  DEFAULT_MAX_PAYLOAD_BYTES,
  MAX_DATA_DEPTH,
  type EncodedData,
} from './codec';
export { measureData, type DataSize, type SizeLimits } from './socket/data-size';
export {
  validateText,
  validateOptionalText,
  validateStream,
  validateInteger,
  validateSeq,
  validateUserId,
  normalizeReadQuery,
  MAX_NAME_BYTES,
  MAX_ID_BYTES,
  DEFAULT_READ_LIMIT,
  MAX_READ_LIMIT,
  UNREAD_SCAN_LIMIT,
  type NormalizedReadQuery,
} from './validation';
export {
  resolveStoreOptions,
  resolveClientStoreOptions,
  hasRetention,
  type ResolvedStoreOptions,
  type ClientStoreOptions,
  type ResolvedClientStoreOptions,
} from './kit/options';
export { prepareBatch, completeResults, appendedData, type PreparedBatch, type PreparedMessage, type PreparedStream } from './kit/prepare';
export { ageCutoff, countFloor, firstSeqOf, isLive, isTruncated } from './kit/retention';
export { StoreGuard, type ErrorClassifier } from './kit/guard';
export { DriverStore, createDriverStore, driverCapabilities } from './kit/store';
export type { StoreDriver, DriverPage, DriverChange } from './kit/driver';
export { storedMessage, newEntry, newEntryMessage, appendedMessage, type StoredEntry, type NewEntry } from './kit/entry';
export { backoff, backoffDelay, type BackoffOptions } from './kit/backoff';
export { BoundedMap } from './kit/bounded-map';
export { newMessageId, newEpoch, streamKey, streamDigest, textDigest } from './ids';
export { MemoryStore, createMemoryStore, type MemoryStoreOptions } from './memory/store';
export { MemoryDatabase } from './memory/database';
export { AppendBatcher, type BatcherOptions } from './batcher';
export { instrumentStore, telemetryReady } from './telemetry';
export { ROOMLOG_EVENTS } from './socket/protocol';
export {
  isWithheld,
  type AnyEventData,
  type EntryOf,
  type EventDataMap,
  type EventName,
  type PersistMessage,
  type StoredOf,
} from './socket/typed';
export type {
  Ack,
  CompactEntry,
  DeliveredEntry,
  DroppedSend,
  EditRequest,
  EntryAck,
  ErrorPayload,
  FailedAck,
  HeadHint,
  HistoryAck,
  HistoryPage,
  HistoryRequest,
  MarkerAck,
  MessageEnvelope,
  OkAck,
  PresentedSend,
  ReadReceipt,
  RoomOffset,
  RoomRequest,
  RoomlogClientToServerEvents,
  RoomlogServerToClientEvents,
  SendAck,
  SendPayload,
  SeqRequest,
  StoredSend,
  SyncAck,
  SyncFrom,
  SyncReason,
  SyncRequest,
  SyncRoomResult,
  UnreadAck,
  WireEntry,
  WithheldEnvelope,
} from './socket/protocol';
