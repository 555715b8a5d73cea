/**
 * The wire protocol between the Roomlog server integration and `@roomlog/client`: event names,
 * payloads and acks. The client imports these as types only, so both sides compile against one
 * definition and the client carries no runtime dependency on core.
 */
import type { RoomlogErrorCode } from '../errors';
import type { MessageKind, StreamHead } from '../store';

/**
 * Event names Roomlog uses. Every stored entry reaches clients under the one `roomlog:message`
 * event rather than under its own event name: a client tells Roomlog traffic from the app's
 * other emits by name alone, one listener covers every app event (and edit/delete log entries
 * of them), and an app event that is not persisted can never be mistaken for a stored one.
 */
export const ROOMLOG_EVENTS = {
  /** Server → client: one stored entry ({@link WireEntry}). */
  message: 'roomlog:message',
  /** Server → client: a read marker moved ({@link ReadReceipt}). */
  receipt: 'roomlog:receipt',
  /** Server → client: a room's head, sent by each node to its own members when it moved ({@link HeadHint}). */
  head: 'roomlog:head',
  /** Client → server: catch up after offsets ({@link SyncRequest} → {@link SyncAck}). */
  sync: 'roomlog:sync',
  /** Client → server: a page of a room ({@link HistoryRequest} → {@link HistoryAck}). */
  history: 'roomlog:history',
  /** Client → server: leave a room ({@link RoomRequest} → {@link OkAck}). */
  leave: 'roomlog:leave',
  /** Client → server: edit an own message ({@link EditRequest} → {@link EntryAck}). */
  edit: 'roomlog:edit',
  /** Client → server: delete an own message ({@link SeqRequest} → {@link EntryAck}). */
  delete: 'roomlog:delete',
  /** Client → server: move the socket user's read marker ({@link SeqRequest} → {@link MarkerAck}). */
  markRead: 'roomlog:mark-read',
  /** Client → server: the socket user's unread count ({@link RoomRequest} → {@link UnreadAck}). */
  unread: 'roomlog:unread',
} as const;

/**
 * One stored entry as clients receive it (a `StoredMessage` without store-internal fields).
 * `Data` and `Event` come from an event map (`{ chat: { text: string } }`, see `EntryOf`);
 * untyped, they are `unknown` and `string`.
 */
export interface MessageEnvelope<Data = unknown, Event extends string = string> {
  room: string;
  /** Position in the room's stream. */
  seq: number;
  /** Unique id of the entry. */
  id: string;
  /** The stream's epoch; a change means stored offsets are void. */
  epoch: string;
  /** App event name (for edit/delete log entries: the target's event). */
  event: Event;
  /** The payload; `null` for delete log entries and tombstones (deleted messages). */
  data: Data | null;
  senderId: string | null;
  /** ms since epoch. */
  createdAt: number;
  kind: MessageKind;
  /** For edit/delete log entries, the seq they change; else `null`. */
  target: number | null;
  version: number;
  /** ms since epoch, or `null`. */
  editedAt: number | null;
  /** ms since epoch, or `null`. */
  deletedAt: number | null;
}

/**
 * An entry `beforeDeliver` withheld from this socket. It still carries its seq so the client
 * knows nothing is missing there and does not try to fetch it again.
 */
export interface WithheldEnvelope {
  room: string;
  seq: number;
  epoch: string;
  withheld: true;
}

/** What a client receives for one entry: the entry, or its place when withheld (test with `isWithheld`). */
export type DeliveredEntry<Entry extends MessageEnvelope = MessageEnvelope> = Entry | WithheldEnvelope;

/**
 * A {@link MessageEnvelope} as it travels: every field at its default is left out (`data` and
 * `senderId` `null`, `kind` `'message'`, `target` `null`, `version` 1, `editedAt` and
 * `deletedAt` `null`), so a plain chat message carries its payload and six short fields.
 * Clients restore the full form with `expandEntry` (`@roomlog/client`).
 */
export interface CompactEntry {
  room: string;
  seq: number;
  id: string;
  epoch: string;
  event: string;
  /** ms since epoch. */
  createdAt: number;
  /** Absent means `null`. */
  data?: unknown;
  /** Absent means `null`. */
  senderId?: string;
  /** Absent means `'message'`. */
  kind?: Exclude<MessageKind, 'message'>;
  /** Absent means `null`. */
  target?: number;
  /** Absent means 1. */
  version?: number;
  /** Absent means `null`. */
  editedAt?: number;
  /** Absent means `null`. */
  deletedAt?: number;
}

/** What the server sends for one entry: compact, or withheld. */
export type WireEntry = CompactEntry | WithheldEnvelope;

/** An error as it travels in an ack. */
export interface ErrorPayload {
  code: RoomlogErrorCode;
  /** Human-readable, prefixed `[roomlog] [...]`. */
  message: string;
  /** For `BUSY`: how long to wait before retrying, in ms. */
  retryAfterMs?: number | undefined;
}

/** A failed ack. */
export interface FailedAck {
  ok: false;
  error: ErrorPayload;
}

/** Every ack: `{ ok: true, ...T }` or `{ ok: false, error }`. */
export type Ack<T extends object> = ({ ok: true } & T) | FailedAck;

/** Ack without a body. */
export type OkAck = Ack<object>;

/** What a client emits under a persisted app event. */
export interface SendPayload {
  room: string;
  data: unknown;
  /** Idempotency key; a retry with the same key is stored once. */
  clientMessageId?: string | undefined;
}

/**
 * Ack of a stored send: only what the sender does not already have. `event` and `data` are
 * present only when the stored entry's differ from what was sent (`beforePersist` changed them,
 * or a `duplicate` carries the original's); `senderId` only when not `null`. The sender
 * rebuilds the full entry from its own `event` and `data` plus these fields.
 */
export interface StoredSend {
  seq: number;
  id: string;
  epoch: string;
  /** ms since epoch. */
  createdAt: number;
  /** Present (always `true`) when this `clientMessageId` was stored before; the entry is that original. */
  duplicate?: true;
  senderId?: string;
  event?: string;
  data?: unknown;
}

/** Ack of a send that `beforePersist` dropped: nothing was stored. */
export interface DroppedSend {
  dropped: true;
}

/** Ack of a stored send when `beforeDeliver` is set: the entry as this socket may see it. */
export interface PresentedSend {
  entry: WireEntry;
  /** Present (always `true`) when this `clientMessageId` was stored before. */
  duplicate?: true;
}

/** Ack of a persisted event: {@link StoredSend}, {@link DroppedSend} or {@link PresentedSend}. */
export type SendAck = Ack<StoredSend> | Ack<DroppedSend> | Ack<PresentedSend>;

/**
 * Where a first visit to a room starts: `'latest'` (the latest page, as a chat shows it),
 * `'start'` (from seq 1), or a seq (entries after it).
 */
export type SyncFrom = 'latest' | 'start' | number;

/** The client's position in one room. */
export interface RoomOffset {
  /** Last seq the client has. @default 0 */
  after?: number | undefined;
  /** The epoch that seq belongs to, or `null`/absent when the client has none. */
  epoch?: string | null | undefined;
  /**
   * The `id` of the entry at seq `after` as the client holds it. The server checks the log still
   * has that entry there; if not, the answer is a reset with reason `rewound`. Absent when the
   * client holds no entry at `after` (it was withheld or passed over).
   */
  id?: string | null | undefined;
  /**
   * The `createdAt` of that entry, checked with `id`: some stores derive an entry's id from its
   * seq (Redis: `<epoch>:<seq>`), so after a rewind a new entry at the same seq has the same id.
   */
  createdAt?: number | null | undefined;
  /**
   * Only for a first visit (the client never synced the room; `after`, `epoch` and `id` are then
   * ignored): where delivery starts. A first visit is not a reset: its answer has no `reason`.
   * @default 'latest'
   */
  from?: SyncFrom | undefined;
}

/** `roomlog:sync` request: offsets per room. */
export interface SyncRequest {
  rooms: Record<string, RoomOffset>;
}

/**
 * Why a sync could not simply continue from the client's offset.
 * - `too-far-behind`: more than `replayLimit` entries were missed; the answer holds the latest
 *   page and the client pages older ones with history.
 * - `epoch-changed`: the stream was recreated; the offset is void; the answer holds the latest page.
 * - `truncated`: retention removed entries after the offset; the answer continues from the oldest retained.
 * - `rewound`: the log no longer holds what the client holds under the same epoch (the entry at
 *   the client's seq is another one, or the client is ahead of the head: newest entries were lost
 *   in a failover or a restore); the answer holds the latest page and the client starts over from it.
 */
export type SyncReason = 'too-far-behind' | 'epoch-changed' | 'truncated' | 'rewound';

/** The sync answer for one room. */
export interface SyncRoomResult {
  /** Entries in ascending seq. */
  messages: WireEntry[];
  head: StreamHead | null;
  /** True when `messages` continue exactly from the offset (or start a first visit). */
  recovered: boolean;
  reason?: SyncReason | undefined;
  /**
   * True when more entries follow `messages` than the answer holds: a first visit `from` the
   * start or a seq further back than `replayLimit`, or an answer that stopped early at the
   * packet's byte or attachment budget (`limits.maxPacketBytes`, `limits.maxPacketAttachments`).
   * The client keeps reading with `roomlog:history { after }` until a page says `hasMore: false`.
   */
  hasMore?: boolean | undefined;
}

/**
 * `roomlog:sync` ack: one answer per requested room (a room may fail on its own, e.g. `FORBIDDEN`),
 * and, when the server's `events` option is a list, the persisted event names: a client refuses
 * a send of any other event at once instead of waiting for an ack that never comes.
 */
export type SyncAck = Ack<{ rooms: Record<string, Ack<SyncRoomResult>>; events?: readonly string[] | undefined }>;

/** `roomlog:history` request; same cursor rules as `MessageStore.read`. */
export interface HistoryRequest {
  room: string;
  before?: number | undefined;
  after?: number | undefined;
  /** 1–1000. @default 50 */
  limit?: number | undefined;
}

/**
 * A page of a room. Over the wire (`roomlog:history`) its entries are {@link WireEntry}s; the
 * server handle's `history()` and the client's return full ones.
 */
export interface HistoryPage<Entry = DeliveredEntry> {
  messages: Entry[];
  head: StreamHead | null;
  /**
   * More entries exist beyond this page in the direction read (newer for `after`, older
   * otherwise): the store had more, or the page ended early at the packet's byte or attachment
   * budget. A page always carries at least one entry when any exists.
   */
  hasMore: boolean;
  truncated: boolean;
}

/** `roomlog:history` ack. */
export type HistoryAck = Ack<HistoryPage<WireEntry>>;

/** A request about one room. */
export interface RoomRequest {
  room: string;
}

/** A request about one entry of a room. */
export interface SeqRequest extends RoomRequest {
  seq: number;
}

/** `roomlog:edit` request. */
export interface EditRequest extends SeqRequest {
  data: unknown;
}

/** Ack of an edit or delete: the changed message (edited, or the tombstone); its log entry is broadcast to the room. */
export type EntryAck = Ack<{ message: WireEntry }>;

/** Ack of `roomlog:mark-read`: the marker after the call. */
export type MarkerAck = Ack<{ seq: number }>;

/**
 * Ack of `roomlog:unread`. Counting is bounded: it looks at the first `UNREAD_SCAN_LIMIT` (1000)
 * entries after the marker; `capped: true` says more entries follow, so `count` is a lower
 * bound (show it as "999+").
 */
export type UnreadAck = Ack<{ count: number; capped?: true | undefined }>;

/** Broadcast to a room when a member's read marker moves. */
export interface ReadReceipt {
  room: string;
  userId: string;
  seq: number;
}

/**
 * A room's head as a node read it, sent to that node's members of the room when the head moved
 * past what the node itself broadcast. A member behind it fetches what it missed (a broadcast the
 * adapter dropped); one whose entry at `seq` has another `id` resyncs (the log was rewound).
 */
export interface HeadHint {
  room: string;
  seq: number;
  epoch: string;
  /** The id of the entry at `seq`, when that entry is retained. */
  id?: string | undefined;
  /** Its `createdAt` (see {@link RoomOffset.createdAt}). */
  createdAt?: number | undefined;
}

/** Events the server emits to clients (merge into your `ServerToClientEvents`). */
export interface RoomlogServerToClientEvents {
  'roomlog:message': (entry: WireEntry) => void;
  'roomlog:receipt': (receipt: ReadReceipt) => void;
  'roomlog:head': (hint: HeadHint) => void;
}

/** Events clients emit to the server (merge into your `ClientToServerEvents`). */
export interface RoomlogClientToServerEvents {
  'roomlog:sync': (request: SyncRequest, ack: (answer: SyncAck) => void) => void;
  'roomlog:history': (request: HistoryRequest, ack: (answer: HistoryAck) => void) => void;
  'roomlog:leave': (request: RoomRequest, ack: (answer: OkAck) => void) => void;
  'roomlog:edit': (request: EditRequest, ack: (answer: EntryAck) => void) => void;
  'roomlog:delete': (request: SeqRequest, ack: (answer: EntryAck) => void) => void;
  'roomlog:mark-read': (request: SeqRequest, ack: (answer: MarkerAck) => void) => void;
  'roomlog:unread': (request: RoomRequest, ack: (answer: UnreadAck) => void) => void;
}
