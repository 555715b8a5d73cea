/**
 * `@roomlog/core`: the store contract, errors, codec, validation helpers for backends,
 * and `MemoryStore`, the reference backend.
 */
export type {
  AppendOptions,
  AppendResult,
  BaseStoreOptions,
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
  isNetworkError,
  type RoomlogErrorCode,
  type RoomlogErrorOptions,
} from './errors';
export { encodeData, decodeData, DEFAULT_MAX_PAYLOAD_BYTES, MAX_DATA_DEPTH, type EncodedData } from './codec';
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
  type NormalizedReadQuery,
} from './validation';
export { resolveStoreOptions, hasRetention, type ResolvedStoreOptions } from './options';
export { prepareBatch, completeResults, type PreparedBatch, type PreparedMessage, type PreparedStream } from './prepare';
export { ageCutoff, countFloor, firstSeqOf, isLive, isTruncated } from './retention';
export { StoreGuard, type ErrorClassifier } from './lifecycle';
export { newMessageId, newEpoch, streamKey } from './ids';
export { MemoryStore, createMemoryStore, type MemoryStoreOptions } from './memory/store';
export { MemoryDatabase } from './memory/database';
export { AppendBatcher, type BatcherOptions } from './batcher';
export { roomlog, type Roomlog, type PublishInput } from './socket/roomlog';
export type {
  AuthorizeAction,
  AuthorizeRequest,
  ErrorContext,
  EventsMap,
  Recipient,
  RoomlogHooks,
  RoomlogOptions,
  RoomlogSocket,
} from './socket/options';
export { ROOMLOG_EVENTS } from './socket/protocol';
export type {
  Ack,
  DeliveredEntry,
  EditRequest,
  EntryAck,
  ErrorPayload,
  FailedAck,
  HistoryAck,
  HistoryPage,
  HistoryRequest,
  MarkerAck,
  MessageEnvelope,
  OkAck,
  ReadReceipt,
  RoomOffset,
  RoomRequest,
  RoomlogClientToServerEvents,
  RoomlogServerToClientEvents,
  SendAck,
  SendPayload,
  SeqRequest,
  SyncAck,
  SyncReason,
  SyncRequest,
  SyncRoomResult,
  UnreadAck,
  WithheldEnvelope,
} from './socket/protocol';
