/**
 * `roomlogClient()`: the client side of Roomlog over a `socket.io-client` socket. It keeps each
 * joined room's position, syncs on every (re)connect, merges replay with live delivery, drops
 * repeats, delivers in seq order, fills gaps, retries every catch-up step that fails, and sends
 * through one ordered queue per room, with retry until the server acks.
 */
import type { Socket } from 'socket.io-client';
import { expandEntry, sentEntry } from './entry';
import { RoomlogError } from './errors';
import { RoomFeed, fingerprint } from './feed';
import { Outbox, type PendingSend } from './outbox';
import {
  type Ack,
  type AnyEventData,
  type DeliveredEntry,
  type DroppedSend,
  EVENTS,
  type EntryOf,
  type EventDataMap,
  type EventName,
  type ErrorPayload,
  type HeadHint,
  type HistoryPage,
  type MessageEnvelope,
  type PresentedSend,
  type ReadReceipt,
  type RoomOffset,
  type StoredSend,
  type StreamHead,
  type SyncFrom,
  type SyncReason,
  type SyncRoomResult,
  type WireEntry,
} from './protocol';
import { type RoomPosition, type RoomlogStorage, loadPosition, memoryStorage } from './storage';

/** Options of {@link roomlogClient}. */
export interface RoomlogClientOptions {
  /**
   * Where room positions and the outbox (sends not yet acked) are kept, e.g. `localStorage`:
   * with a persistent one, a reload resumes every room where it was and re-sends what was not
   * acked. One client per storage and prefix (give each tab its own prefix, or use `sessionStorage`).
   * @default in memory
   */
  storage?: RoomlogStorage | undefined;
  /** Prefix of storage keys (`<prefix>:<room>`, `<prefix>:outbox`); use one per server URL and namespace. @default 'roomlog' */
  storagePrefix?: string | undefined;
  /** How long one request waits for its ack, in ms. @default 10000 */
  requestTimeoutMs?: number | undefined;
  /** How long `send` keeps retrying before it rejects with `UNAVAILABLE`, in ms (counted from the call, waiting in the room's queue included). @default 30000 */
  sendTimeoutMs?: number | undefined;
  /** First retry delay of sends, syncs and gap fills, in ms; doubles per attempt (with jitter). @default 100 */
  retryDelayMs?: number | undefined;
  /** Longest retry delay, in ms. @default 5000 */
  maxRetryDelayMs?: number | undefined;
  /** Entries fetched per request when filling a gap or catching up (1–1000). @default 200 */
  gapPageSize?: number | undefined;
}

/** Options of one `send`. */
export interface SendOptions {
  /** Idempotency key. @default a new `crypto.randomUUID()` */
  clientMessageId?: string | undefined;
  /** Overrides `sendTimeoutMs` for this call, in ms. */
  timeoutMs?: number | undefined;
}

/** Options of `join`. */
export interface JoinOptions {
  /**
   * Where a first visit starts (the room was never synced with this storage; later visits
   * resume from the stored position): `'latest'` (the latest page, as a chat opens), `'start'`
   * (every entry from seq 1, paged), or a seq (entries after it). A first visit is no reset: no
   * {@link ResetNotice}.
   * @default 'latest'
   */
  from?: SyncFrom | undefined;
}

/**
 * Where a followed room stands:
 * - `'syncing'`: catching up (the first sync, a resync after a reconnect, a gap fill);
 * - `'live'`: caught up; entries arrive as they are stored;
 * - `'behind'`: entries may be missing and a catch-up is pending: the socket is disconnected, or
 *   the last attempt failed (the database is down, say) and is retried with backoff.
 */
export type RoomStatus = 'syncing' | 'live' | 'behind';

/**
 * The client could not simply continue a room from its position. Entries between `previous.seq`
 * and `resumedAt` were not replayed: page them with `history(room, { before: resumedAt + 1 })`
 * (`too-far-behind`), they are gone (`truncated`), or the old position is void (`epoch-changed`;
 * `rewound`: the log lost entries the client held, under the same epoch, so delivery started
 * over from the log as it is now, and entries at seqs the client already had may be new ones).
 */
export interface ResetNotice {
  room: string;
  reason: SyncReason;
  /** Position before the sync. */
  previous: RoomPosition;
  /** Delivery continued after this seq. */
  resumedAt: number;
  head: StreamHead | null;
}

/** Receives a room's entries, in seq order, once each. Edits and deletes arrive as entries with `kind` `'edit'`/`'delete'`. */
export type MessageHandler<Entry extends MessageEnvelope = MessageEnvelope> = (message: Entry) => void;

/** A send not yet acked, as {@link RoomlogClient.pending} lists it. */
export type { PendingSend };

interface RoomState {
  room: string;
  key: string;
  /** Where a first visit starts. */
  from: SyncFrom;
  feed: RoomFeed | null;
  /** False until the room's first sync answered: until then a sync is a first visit. */
  visited: boolean;
  status: RoomStatus | null;
  syncing: number;
  filling: boolean;
  /** Highest seq known to exist (a head hint, a sync that stopped early): what a fill catches up to. */
  wanted: number;
  /** A catch-up step failed and waits for its retry (`'sync'` covers `'fill'`). */
  retry: 'sync' | 'fill' | null;
  /** Settles when the latest sync of this room settles; sends wait for it so they follow the re-join. */
  synced: Promise<void>;
  saved: string;
  /** Settles with the room's first sync: what `join` waits for. */
  joined: Promise<void>;
  settle(error: RoomlogError | null): void;
  settled: boolean;
}

interface SyncTarget {
  state: RoomState;
  feed: RoomFeed;
  previous: RoomPosition;
  visit: boolean;
}

// Any typed socket is accepted: `any` is socket.io-client's own event-map constraint, and the
// client only uses Roomlog's events, which it emits through the untyped view.
type AnySocket = Socket<any, any>;

const positive = (value: number | undefined, fallback: number) =>
  value !== undefined && Number.isFinite(value) && value > 0 ? value : fallback;

/** Codes a retry can cure: the server or its database is down, slow or busy. */
const RETRYABLE = new Set<string>(['UNAVAILABLE', 'BUSY']);

const retryable = (error: unknown): boolean => error instanceof RoomlogError && RETRYABLE.has(error.code);

/** The wait a `BUSY` answer asks for, in ms (0 when it names none). */
function retryAfter(error: unknown): number {
  const asked = error instanceof RoomlogError ? (error.cause as { retryAfterMs?: unknown } | null)?.retryAfterMs : undefined;
  return typeof asked === 'number' && Number.isFinite(asked) && asked > 0 ? Math.min(asked, 60_000) : 0;
}

function validFrom(from: unknown): from is SyncFrom {
  return from === 'latest' || from === 'start' || (typeof from === 'number' && Number.isSafeInteger(from) && from >= 0);
}

/**
 * The Roomlog client. Create it with {@link roomlogClient}. `Events` maps each persisted event
 * to the type of its `data` (`{ chat: { text: string } }`), typing `on`, `send`, `history`,
 * `edit` and `delete`; untyped, any event name is accepted and `data` is `unknown`.
 */
export class RoomlogClient<Events extends EventDataMap = AnyEventData> {
  readonly #socket: Socket;
  readonly #storage: RoomlogStorage;
  readonly #prefix: string;
  readonly #requestTimeoutMs: number;
  readonly #sendTimeoutMs: number;
  readonly #retryDelayMs: number;
  readonly #maxRetryDelayMs: number;
  readonly #gapPageSize: number;
  readonly #outbox: Outbox;
  readonly #rooms = new Map<string, RoomState>();
  /** Per room, the settled tail of its send queue: each send goes only after the previous one settled. */
  readonly #queues = new Map<string, Promise<void>>();
  /** Rooms whose sends left by a previous client were queued. */
  readonly #replayed = new Set<string>();
  readonly #handlers = new Map<string, Map<string, Set<MessageHandler>>>();
  readonly #resetHandlers = new Set<(notice: ResetNotice) => void>();
  readonly #statusHandlers = new Set<(room: string, status: RoomStatus) => void>();
  readonly #receiptHandlers = new Set<(receipt: ReadReceipt) => void>();
  readonly #errorHandlers = new Set<(error: unknown) => void>();
  /** Wakes waits for a connection or a backoff when the client closes. */
  readonly #onClose = new Set<() => void>();
  /** The events the server persists, as its last sync answer listed them; `null` when it did not say. */
  #persisted: ReadonlySet<string> | null = null;
  /** True after an `UNAVAILABLE` was logged, until a sync succeeds. */
  #outage = false;
  #retryTimer: ReturnType<typeof setTimeout> | null = null;
  #retryAttempt = 0;
  #closed = false;

  /**
   * @param socket - a `socket.io-client` socket (connected or not).
   * @param options - storage, timeouts and retry settings.
   */
  constructor(socket: AnySocket, options: RoomlogClientOptions = {}) {
    this.#socket = socket as Socket;
    this.#storage = options.storage ?? memoryStorage();
    this.#prefix = options.storagePrefix ?? 'roomlog';
    this.#requestTimeoutMs = positive(options.requestTimeoutMs, 10_000);
    this.#sendTimeoutMs = positive(options.sendTimeoutMs, 30_000);
    this.#retryDelayMs = positive(options.retryDelayMs, 100);
    this.#maxRetryDelayMs = positive(options.maxRetryDelayMs, 5_000);
    this.#gapPageSize = Math.min(1000, Math.floor(positive(options.gapPageSize, 200)));
    this.#outbox = new Outbox(this.#storage, `${this.#prefix}:outbox`, (error) => this.#report(error));
    this.#socket.on('connect', this.#onConnect);
    this.#socket.on('disconnect', this.#onDisconnect);
    this.#socket.on(EVENTS.message, this.#onMessage);
    this.#socket.on(EVENTS.head, this.#onHead);
    this.#socket.on(EVENTS.receipt, this.#onReceipt);
  }

  /**
   * Starts following a room: loads its stored position, syncs it (the server joins the socket
   * if `authorize` allows) and keeps it synced on every reconnect. A sync that fails for a
   * passing reason (`UNAVAILABLE`, `BUSY`) is retried with backoff until it succeeds, the room
   * is left or the client closed. Sends a previous client left in the outbox for this room are
   * re-sent, in order, before any new send.
   * @param options - where a first visit starts (`from`, default the latest page).
   * @returns once the first sync answered; rejects with the server's error (e.g. `FORBIDDEN`).
   */
  join(room: string, options: JoinOptions = {}): Promise<void> {
    const existing = this.#rooms.get(room);
    if (existing) return existing.joined;
    const from = options.from ?? 'latest';
    if (!validFrom(from)) {
      return Promise.reject(
        new RoomlogError('INVALID_ARGUMENT', `join from must be 'latest', 'start' or a seq >= 0, got ${String(from)}`, from),
      );
    }
    let settle!: (error: RoomlogError | null) => void;
    const joined = new Promise<void>((resolve, reject) => {
      settle = (error) => (error ? reject(error) : resolve());
    });
    const state: RoomState = {
      room,
      key: `${this.#prefix}:${room}`,
      from,
      feed: null,
      visited: false,
      status: null,
      syncing: 0,
      filling: false,
      wanted: 0,
      retry: null,
      synced: Promise.resolve(),
      saved: '',
      joined,
      settled: false,
      settle: () => {},
    };
    state.settle = (error) => {
      if (state.settled) return;
      state.settled = true;
      if (error && this.#rooms.get(room) === state) this.#rooms.delete(room);
      settle(error);
    };
    // A send to this room waits for the join: the server may only let the socket in through the sync.
    state.synced = joined.catch(() => {});
    this.#rooms.set(room, state);
    this.#setStatus(state, this.#socket.connected ? 'syncing' : 'behind');
    void loadPosition(this.#storage, state.key).then((position) => {
      state.visited = position !== null;
      state.saved = position === null ? '' : JSON.stringify(position);
      state.feed = new RoomFeed(position ?? { seq: 0, epoch: null }, (message) => this.#dispatch(room, message));
      if (this.#socket.connected) void this.#sync([room]);
    });
    void this.#enqueue(room, async () => {});
    return joined;
  }

  /** Stops following a room and asks the server to take the socket out of it. */
  async leave(room: string): Promise<void> {
    this.#rooms.delete(room);
    await this.#request(EVENTS.leave, { room });
  }

  /**
   * Subscribes to a room's entries of every event (`'*'`): check `entry.event` to narrow `data`.
   * @returns a function that unsubscribes.
   */
  on(room: string, event: '*', handler: MessageHandler<EntryOf<Events>>): () => void;
  /**
   * Subscribes to a room's entries of one event.
   * @returns a function that unsubscribes.
   */
  on<Event extends EventName<Events>>(
    room: string,
    event: Event,
    handler: MessageHandler<MessageEnvelope<Events[Event], Event>>,
  ): () => void;
  on(room: string, event: string, handler: MessageHandler<never>): () => void {
    let byEvent = this.#handlers.get(room);
    if (!byEvent) this.#handlers.set(room, (byEvent = new Map()));
    let handlers = byEvent.get(event);
    if (!handlers) byEvent.set(event, (handlers = new Set()));
    // Handlers are kept untyped: an entry reaches only the handlers of its own event (and '*').
    const untyped = handler as MessageHandler;
    handlers.add(untyped);
    return () => handlers.delete(untyped);
  }

  /**
   * Subscribes to {@link ResetNotice}s. A notice comes before the entries delivery resumes with.
   * @returns a function that unsubscribes.
   */
  onReset(handler: (notice: ResetNotice) => void): () => void {
    this.#resetHandlers.add(handler);
    return () => this.#resetHandlers.delete(handler);
  }

  /**
   * Subscribes to changes of a followed room's {@link RoomStatus} (called on each change, with
   * the room). Show `'behind'` as "reconnecting", say; `'live'` means caught up.
   * @returns a function that unsubscribes.
   */
  onStatus(handler: (room: string, status: RoomStatus) => void): () => void {
    this.#statusHandlers.add(handler);
    return () => this.#statusHandlers.delete(handler);
  }

  /** A followed room's {@link RoomStatus}, or `null` for a room not followed. */
  status(room: string): RoomStatus | null {
    return this.#rooms.get(room)?.status ?? null;
  }

  /** Subscribes to read receipts of followed rooms. @returns a function that unsubscribes. */
  onReceipt(handler: (receipt: ReadReceipt) => void): () => void {
    this.#receiptHandlers.add(handler);
    return () => this.#receiptHandlers.delete(handler);
  }

  /**
   * Subscribes to errors nothing else reports: a failed background sync or gap fill (retried),
   * a re-sent outbox entry the server refused, a message handler that threw. Without a
   * subscriber they are logged with `console.error`, except `UNAVAILABLE`: one `console.warn`
   * line per outage (until a sync succeeds again).
   * @returns a function that unsubscribes.
   */
  onError(handler: (error: unknown) => void): () => void {
    this.#errorHandlers.add(handler);
    return () => this.#errorHandlers.delete(handler);
  }

  /**
   * Sends a message to be stored: stamps a `clientMessageId`, keeps it in the outbox (storage)
   * until acked, and retries (waiting for a connection, with backoff) until the server acks or
   * the deadline passes. Retries are safe: the server stores one message per `clientMessageId`.
   *
   * Sends to one room go one at a time, in call order: each waits until the previous one
   * settled, so a client's messages are stored in the order `send` was called, across retries,
   * reconnects and server restarts.
   * @returns the stored entry as you may see it: its `seq` always; only its place (`isWithheld`)
   *   when the server's `beforeDeliver` withholds it from you (a whisper to someone else). Its `data` is the very
   *   value you passed unless the server changed it, or the send repeated an earlier `clientMessageId`.
   * @throws RoomlogError with the server's code (`FORBIDDEN`, `INVALID_ARGUMENT`, ...), `UNAVAILABLE` past the deadline, `CLOSED` when the client closed first (the send stays in the outbox);
   *   `FORBIDDEN` too when the server's `beforePersist` dropped the message: nothing was stored.
   */
  send<Event extends EventName<Events>>(
    room: string,
    event: Event,
    data: Events[Event],
    options: SendOptions = {},
  ): Promise<DeliveredEntry<MessageEnvelope<Events[Event], Event>>> {
    if (this.#closed) return Promise.reject(new RoomlogError('CLOSED', 'the client is closed', null));
    const pending: PendingSend = { room, event, data, clientMessageId: options.clientMessageId ?? globalThis.crypto.randomUUID() };
    const deadline = Date.now() + positive(options.timeoutMs, this.#sendTimeoutMs);
    this.#outbox.add(pending);
    return this.#enqueue(room, () => this.#deliverSend(pending, deadline)) as Promise<
      DeliveredEntry<MessageEnvelope<Events[Event], Event>>
    >;
  }

  /** Sends not yet acked (this client's, and those a previous client left in storage), in call order. */
  pending(room?: string): PendingSend[] {
    return this.#outbox.list(room);
  }

  /**
   * A page of a room, with the store's cursor rules (`after`, `before`, `limit` 1–1000, default 50).
   * Entries `beforeDeliver` withheld from you are in it as their place only: test with `isWithheld`.
   */
  async history(
    room: string,
    query: { before?: number; after?: number; limit?: number } = {},
  ): Promise<HistoryPage<DeliveredEntry<EntryOf<Events>>>> {
    const { messages, head, hasMore, truncated } = await this.#request<HistoryPage<WireEntry>>(EVENTS.history, { room, ...query });
    return { messages: messages.map((entry) => expandEntry(entry)) as DeliveredEntry<EntryOf<Events>>[], head, hasMore, truncated };
  }

  /** Edits one of your own messages (someone else's: `NOT_OWNER`). @returns the edited message as the server returns it. */
  async edit(room: string, seq: number, data: Events[EventName<Events>]): Promise<DeliveredEntry<EntryOf<Events>>> {
    return expandEntry((await this.#request<{ message: WireEntry }>(EVENTS.edit, { room, seq, data })).message) as DeliveredEntry<
      EntryOf<Events>
    >;
  }

  /** Deletes one of your own messages (someone else's: `NOT_OWNER`). @returns the tombstone. */
  async delete(room: string, seq: number): Promise<DeliveredEntry<EntryOf<Events>>> {
    return expandEntry((await this.#request<{ message: WireEntry }>(EVENTS.delete, { room, seq })).message) as DeliveredEntry<
      EntryOf<Events>
    >;
  }

  /** Moves your read marker forward to `seq`. @returns the marker after the call. */
  async markRead(room: string, seq: number): Promise<number> {
    return (await this.#request<{ seq: number }>(EVENTS.markRead, { room, seq })).seq;
  }

  /** Messages after your read marker that you did not send. */
  async unreadCount(room: string): Promise<number> {
    return (await this.#request<{ count: number }>(EVENTS.unread, { room })).count;
  }

  /** A followed room's position, or `null` before its stored position is loaded. */
  position(room: string): RoomPosition | null {
    return this.#rooms.get(room)?.feed?.offset ?? null;
  }

  /**
   * Stops listening to the socket and stops every retry. Sends not yet acked reject with
   * `CLOSED` and stay in the outbox, for the next client on the same storage. The socket itself
   * stays as it is.
   */
  close(): void {
    this.#closed = true;
    this.#socket.off('connect', this.#onConnect);
    this.#socket.off('disconnect', this.#onDisconnect);
    this.#socket.off(EVENTS.message, this.#onMessage);
    this.#socket.off(EVENTS.head, this.#onHead);
    this.#socket.off(EVENTS.receipt, this.#onReceipt);
    if (this.#retryTimer !== null) clearTimeout(this.#retryTimer);
    this.#retryTimer = null;
    for (const wake of this.#onClose) wake();
    this.#rooms.clear();
  }

  #onConnect = (): void => {
    for (const state of this.#rooms.values()) state.retry = null;
    void this.#sync([...this.#rooms.keys()]);
  };

  #onDisconnect = (): void => {
    for (const state of this.#rooms.values()) this.#setStatus(state, 'behind');
  };

  #onMessage = (entry: WireEntry): void => {
    if (typeof entry?.room !== 'string' || !Number.isSafeInteger(entry.seq)) return;
    this.#take(entry.room, expandEntry(entry));
  };

  /** A node says where a room's head is: catch up to it, or resync when it contradicts what the client holds. */
  #onHead = (hint: HeadHint): void => {
    if (typeof hint?.room !== 'string' || !Number.isSafeInteger(hint.seq) || typeof hint.epoch !== 'string') return;
    const state = this.#rooms.get(hint.room);
    const feed = state?.feed;
    if (!state || !feed || !state.visited) return;
    if (feed.epoch !== null && hint.epoch !== feed.epoch) {
      void this.#sync([state.room]);
      return;
    }
    if (hint.seq > feed.seq) {
      state.wanted = Math.max(state.wanted, hint.seq);
      void this.#fill(state);
      return;
    }
    // At or below the position: the entry there must be the one the client holds. (A hint
    // below it may simply be older than entries that arrived since: only an id tells.)
    if (typeof hint.id !== 'string' || typeof hint.createdAt !== 'number') return;
    const held = feed.fingerprintAt(hint.seq);
    if (typeof held === 'string' && held !== fingerprint(hint.id, hint.createdAt)) void this.#sync([state.room]);
  };

  #onReceipt = (receipt: ReadReceipt): void => {
    if (!this.#rooms.has(receipt?.room)) return;
    for (const handler of this.#receiptHandlers) this.#guard(() => handler(receipt));
  };

  /** Feeds a live or acked entry; resyncs when it contradicts the position, fills a gap it reveals. */
  #take(room: string, entry: DeliveredEntry): void {
    const state = this.#rooms.get(room);
    if (!state?.feed) return;
    const outcome = state.feed.offer(entry);
    if (outcome === 'other-epoch' || outcome === 'diverged' || outcome === 'unverified') void this.#sync([room]);
    else this.#afterChange(state);
  }

  /** After the position moved: saves it, and catches up or reports the room live. */
  #afterChange(state: RoomState): void {
    this.#save(state);
    const feed = state.feed;
    if (!feed) return;
    if (feed.hasGap || feed.seq < state.wanted) void this.#fill(state);
    else if (state.syncing === 0 && !state.filling && state.retry === null && this.#socket.connected) this.#setStatus(state, 'live');
  }

  #setStatus(state: RoomState, status: RoomStatus): void {
    if (state.status === status || this.#rooms.get(state.room) !== state) return;
    state.status = status;
    for (const handler of this.#statusHandlers) this.#guard(() => handler(state.room, status));
  }

  /**
   * Schedules a failed catch-up step again. One timer serves every room, with backoff that
   * grows while failures go on (jittered, so clients do not return in step after an outage).
   */
  #retryLater(state: RoomState, kind: 'sync' | 'fill', error: unknown): void {
    if (this.#closed || this.#rooms.get(state.room) !== state) return;
    state.retry = state.retry === 'sync' || kind === 'sync' ? 'sync' : 'fill';
    this.#setStatus(state, 'behind');
    // Disconnected: the next connect syncs every room anyway.
    if (this.#retryTimer !== null || !this.#socket.connected) return;
    this.#retryAttempt++;
    const wait = Math.max(retryAfter(error), this.#jitteredBackoff(this.#retryAttempt));
    this.#retryTimer = setTimeout(() => {
      this.#retryTimer = null;
      this.#runRetries();
    }, wait);
  }

  #runRetries(): void {
    if (this.#closed || !this.#socket.connected) return;
    const syncs: string[] = [];
    for (const state of this.#rooms.values()) {
      const kind = state.retry;
      state.retry = null;
      if (kind === 'sync') syncs.push(state.room);
      else if (kind === 'fill') void this.#fill(state);
    }
    if (syncs.length > 0) void this.#sync(syncs);
  }

  /** A step succeeded: once no room waits for a retry, the next failure starts from the first delay again. */
  #succeeded(): void {
    for (const state of this.#rooms.values()) if (state.retry !== null) return;
    this.#retryAttempt = 0;
  }

  /** Syncs rooms whose position is loaded, in one request. */
  #sync(rooms: readonly string[]): Promise<void> {
    if (this.#closed) return Promise.resolve();
    const targets = rooms.flatMap((room): SyncTarget[] => {
      const state = this.#rooms.get(room);
      return state?.feed ? [{ state, feed: state.feed, previous: state.feed.offset, visit: !state.visited }] : [];
    });
    if (targets.length === 0) return Promise.resolve();
    if (!this.#socket.connected) {
      // Emitting now would only queue the request inside socket.io-client; the connect syncs.
      for (const { state } of targets) this.#setStatus(state, 'behind');
      return Promise.resolve();
    }
    const run = this.#runSync(targets);
    for (const { state } of targets) state.synced = run;
    return run;
  }

  /** The offset a sync sends for one room: its position, or where a first visit starts. */
  #offset(target: SyncTarget): RoomOffset {
    if (target.visit) return { from: target.state.from };
    const { seq, epoch, id, createdAt } = target.previous;
    return { after: seq, epoch, ...(id ? { id } : {}), ...(id && typeof createdAt === 'number' ? { createdAt } : {}) };
  }

  async #runSync(targets: SyncTarget[]): Promise<void> {
    for (const { state } of targets) {
      state.syncing++;
      this.#setStatus(state, 'syncing');
    }
    type SyncAnswer = { rooms: Record<string, Ack<SyncRoomResult>>; events?: readonly string[] };
    let answer: SyncAnswer | null = null;
    let failure: RoomlogError | null = null;
    try {
      answer = await this.#request<SyncAnswer>(EVENTS.sync, {
        rooms: Object.fromEntries(targets.map((target) => [target.state.room, this.#offset(target)])),
      });
    } catch (error) {
      failure = error as RoomlogError; // #request throws nothing else
    }
    if (answer) this.#persisted = Array.isArray(answer.events) ? new Set(answer.events) : null;
    if (answer && Object.values(answer.rooms).some((result) => result?.ok)) this.#outage = false;
    for (const target of targets) {
      const { state } = target;
      state.syncing--;
      if (this.#rooms.get(state.room) !== state) continue;
      const result = answer?.rooms[state.room];
      const error = failure ?? (result?.ok === false ? RoomlogError.fromPayload(result.error) : null);
      if (error || !result?.ok) {
        this.#syncFailed(
          state,
          error ?? new RoomlogError('UNAVAILABLE', `the sync answer lacks room ${JSON.stringify(state.room)}`, answer),
        );
        continue;
      }
      this.#applySync(target, result);
      state.visited = true;
      state.settle(null);
      this.#succeeded();
      this.#afterChange(state);
    }
  }

  /**
   * A room's sync failed. A passing failure is retried (a pending `join` keeps waiting); any
   * other fails a pending `join`, or is reported for a room already followed.
   */
  #syncFailed(state: RoomState, error: RoomlogError): void {
    if (retryable(error)) {
      if (state.settled) this.#report(error);
      this.#retryLater(state, 'sync', error);
      return;
    }
    if (!state.settled) {
      state.settle(error);
      return;
    }
    this.#report(error);
    this.#setStatus(state, 'behind');
  }

  /** Applies one room's sync answer to the position it was asked from. */
  #applySync(target: SyncTarget, result: SyncRoomResult): void {
    const { state, feed, previous, visit } = target;
    const { head, reason } = result;
    const messages = result.messages.map((entry) => expandEntry(entry));
    const epoch = head?.epoch ?? null;
    const firstSeq = messages[0]?.seq;
    // Where the server's page starts: its first entry, or the head when nothing follows.
    const pageStart = firstSeq === undefined ? (head?.seq ?? 0) : firstSeq - 1;
    let start = previous.seq;
    if (visit || reason === 'epoch-changed' || reason === 'too-far-behind' || reason === 'rewound') {
      if (reason === 'epoch-changed' || reason === 'rewound') {
        // Entries waiting in the feed, and ids delivered before, may belong to the log as it was.
        feed.reset(pageStart, epoch, true);
      } else if (pageStart > feed.seq || (visit && feed.epoch !== epoch)) {
        // Live entries may already have carried the position past the page start.
        feed.reset(pageStart, epoch);
      }
      start = feed.seq;
    }
    if (reason) {
      // Told before the page is delivered, so an app can clear what it showed (rewound, epoch-changed) first.
      // Truncated: entries below the oldest retained one are gone; delivery goes on from there.
      const resumedAt = reason === 'truncated' && head ? Math.max(start, head.firstSeq - 1) : start;
      const notice: ResetNotice = { room: state.room, reason, previous, resumedAt, head };
      for (const handler of this.#resetHandlers) this.#guard(() => handler(notice));
    }
    // An answer that stopped early holds every entry only up to its last one; a fill reads on.
    const through = result.hasMore ? (messages.at(-1)?.seq ?? start) : (head?.seq ?? start);
    feed.applyPage(start, messages, through, epoch);
    if (result.hasMore && head) state.wanted = Math.max(state.wanted, head.seq);
  }

  /**
   * Fetches what is missing (behind a gap, or up to a head the server announced), page by page.
   * A failure is retried with backoff; a page that contradicts the position triggers a resync.
   */
  async #fill(state: RoomState): Promise<void> {
    if (state.filling || state.syncing > 0 || !this.#socket.connected || this.#closed) return;
    state.filling = true;
    this.#setStatus(state, 'syncing');
    const { room } = state;
    try {
      for (let feed = state.feed; feed && (feed.hasGap || feed.seq < state.wanted); feed = state.feed) {
        if (this.#rooms.get(room) !== state || state.syncing > 0) return;
        const from = feed.seq;
        const page = await this.history(room, { after: from, limit: this.#gapPageSize });
        if (this.#rooms.get(room) !== state || state.syncing > 0) return;
        const epoch = page.head?.epoch ?? null;
        if (feed.epoch !== null && epoch !== feed.epoch) {
          state.filling = false;
          void this.#sync([room]);
          return;
        }
        const last = page.messages.at(-1)?.seq ?? from;
        feed.applyPage(from, page.messages, page.hasMore ? last : (page.head?.seq ?? from), epoch);
        this.#save(state);
        if (feed.seq === from) {
          // The server knows nothing past the position. Entries still waiting beyond it were
          // lost by the log (rewound): the sync's continuity check decides.
          state.wanted = from;
          if (feed.hasGap) {
            state.filling = false;
            void this.#sync([room]);
          }
          return;
        }
      }
      this.#succeeded();
    } catch (error) {
      this.#report(error);
      // A refusal right after a reconnect means the socket is not back in the room yet: the sync re-joins it.
      state.filling = false;
      this.#retryLater(state, retryable(error) ? 'fill' : 'sync', error);
    } finally {
      if (state.filling) {
        state.filling = false;
        if (this.#rooms.get(room) === state && state.retry === null) this.#afterChange(state);
      }
    }
  }

  /** Appends a job to the room's send queue (after the sends a previous client left for it). */
  #enqueue<T>(room: string, job: () => Promise<T>): Promise<T> {
    const tail = this.#queues.get(room) ?? this.#replayOutbox(room);
    const run = tail.then(job);
    const settled = run.then(
      () => undefined,
      () => undefined,
    );
    this.#queues.set(room, settled);
    void settled.then(() => {
      if (this.#queues.get(room) === settled) this.#queues.delete(room);
    });
    return run;
  }

  /** Re-sends, once per room and in order, what a previous client on this storage left unacked. */
  #replayOutbox(room: string): Promise<void> {
    if (this.#replayed.has(room)) return Promise.resolve();
    this.#replayed.add(room);
    return this.#outbox.loaded.then(async (left) => {
      for (const send of left) {
        if (send.room !== room || this.#closed) continue;
        try {
          // No deadline: nobody waits on these, and a later send must not overtake them.
          await this.#deliverSend(send, Number.POSITIVE_INFINITY);
        } catch (error) {
          if (!(error instanceof RoomlogError && error.code === 'CLOSED')) this.#report(error);
        }
      }
    });
  }

  /** Sends one message, retrying until acked, refused, past `deadline`, or the client closed. */
  async #deliverSend(send: PendingSend, deadline: number): Promise<DeliveredEntry> {
    const { room, event, data, clientMessageId } = send;
    let lastError: unknown = null;
    try {
      for (let attempt = 0; Date.now() < deadline; attempt++) {
        if (attempt > 0) await this.#wait(Math.max(retryAfter(lastError), Math.min(this.#backoff(attempt), deadline - Date.now())));
        if (this.#closed) break;
        if (!(await this.#connected(deadline))) break;
        // After a reconnect the server knows the socket's rooms again only once the sync re-joined them.
        await this.#rooms.get(room)?.synced;
        if (this.#closed) break;
        try {
          this.#assertPersisted(event);
          const timeout = Math.max(1, Math.min(this.#requestTimeoutMs, deadline - Date.now()));
          const ack = await this.#request<StoredSend | DroppedSend | PresentedSend>(event, { room, data, clientMessageId }, timeout);
          this.#outbox.remove(clientMessageId);
          return this.#acked(send, ack);
        } catch (error) {
          if (!retryable(error)) {
            this.#outbox.remove(clientMessageId);
            throw error;
          }
          lastError = error;
        }
      }
    } finally {
      if (!this.#closed && Date.now() >= deadline) this.#outbox.remove(clientMessageId);
    }
    if (this.#closed)
      throw new RoomlogError(
        'CLOSED',
        `the client closed before room ${JSON.stringify(room)} acked the send; it stays in the outbox`,
        lastError,
      );
    throw new RoomlogError('UNAVAILABLE', `send to room ${JSON.stringify(room)} was not acknowledged in time`, lastError);
  }

  /**
   * The entry a send ack stands for (see `sentEntry`), fed to the room like a live one: the
   * full entry, or its place when `beforeDeliver` withholds it from the sender.
   * @throws RoomlogError `FORBIDDEN` when the server's `beforePersist` dropped the message.
   */
  #acked(send: PendingSend, ack: StoredSend | DroppedSend | PresentedSend): DeliveredEntry {
    const { room } = send;
    if ('dropped' in ack) {
      throw new RoomlogError(
        'FORBIDDEN',
        `the server did not store the message to room ${JSON.stringify(room)}: its beforePersist hook dropped it`,
        ack,
      );
    }
    const entry = 'entry' in ack ? expandEntry(ack.entry) : sentEntry(room, send.event, send.data, ack);
    this.#take(room, entry);
    return entry;
  }

  #dispatch(room: string, message: MessageEnvelope): void {
    const byEvent = this.#handlers.get(room);
    if (!byEvent) return;
    for (const event of [message.event, '*']) {
      for (const handler of byEvent.get(event) ?? []) this.#guard(() => handler(message));
    }
  }

  /** Stores a room's position; a room not synced yet has none to store (its next sync is a first visit). */
  #save(state: RoomState): void {
    if (!state.feed || !state.visited) return;
    const text = JSON.stringify(state.feed.offset);
    if (text === state.saved) return;
    state.saved = text;
    Promise.resolve()
      .then(() => this.#storage.setItem(state.key, text))
      .catch((error: unknown) => this.#report(error));
  }

  async #request<T extends object>(event: string, payload: object, timeoutMs = this.#requestTimeoutMs): Promise<T> {
    let answer: Ack<T>;
    try {
      answer = await this.#socket.timeout(timeoutMs).emitWithAck(event, payload);
    } catch (error) {
      // socket.io-client times out with a plain Error; a RangeError or TypeError was thrown while
      // encoding the payload (nested too deep, circular), which no retry can fix.
      if (error instanceof RangeError || error instanceof TypeError) {
        throw new RoomlogError('INVALID_ARGUMENT', `${event} payload cannot be encoded: ${error.message}`, error);
      }
      throw new RoomlogError('UNAVAILABLE', `no answer to ${event} within ${timeoutMs} ms`, error);
    }
    if (answer?.ok === true) return answer;
    if (answer?.ok === false) throw RoomlogError.fromPayload(answer.error as ErrorPayload);
    throw new RoomlogError('INTERNAL', `unexpected answer to ${event}`, answer);
  }

  /**
   * Refuses an event the server said it does not persist: no retry could make it stored, and
   * waiting out the deadline would end in an `UNAVAILABLE` that reads like an outage.
   * @throws RoomlogError `INVALID_ARGUMENT`
   */
  #assertPersisted(event: string): void {
    if (this.#persisted === null || this.#persisted.has(event)) return;
    const names = [...this.#persisted].map((name) => JSON.stringify(name)).join(', ');
    throw new RoomlogError(
      'INVALID_ARGUMENT',
      `event ${JSON.stringify(event)} is not persisted by the server (it persists: ${names || 'none'}); see its events option`,
      { event, persisted: [...this.#persisted] },
    );
  }

  /** Resolves `true` once connected, `false` if the deadline passes or the client closes first. */
  #connected(deadline: number): Promise<boolean> {
    if (this.#socket.connected) return Promise.resolve(true);
    if (this.#closed) return Promise.resolve(false);
    return new Promise((resolve) => {
      const done = (connected: boolean) => {
        if (timer !== null) clearTimeout(timer);
        this.#socket.off('connect', onConnect);
        this.#onClose.delete(onClose);
        resolve(connected);
      };
      const onConnect = () => done(true);
      const onClose = () => done(false);
      const timer = Number.isFinite(deadline) ? setTimeout(() => done(false), Math.max(0, deadline - Date.now())) : null;
      this.#socket.on('connect', onConnect);
      this.#onClose.add(onClose);
    });
  }

  /** Waits `ms`, or less when the client closes. */
  #wait(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.#onClose.delete(done);
        resolve();
      };
      const timer = setTimeout(done, Math.max(0, ms));
      this.#onClose.add(done);
    });
  }

  /** Full jitter: a send retry waits anywhere up to the doubled delay. */
  #backoff(attempt: number): number {
    return Math.random() * Math.min(this.#maxRetryDelayMs, this.#retryDelayMs * 2 ** (attempt - 1));
  }

  /** Half jitter for catch-up retries: at least half the doubled delay, so an outage is not hammered. */
  #jitteredBackoff(attempt: number): number {
    const ceiling = Math.min(this.#maxRetryDelayMs, this.#retryDelayMs * 2 ** Math.min(attempt - 1, 30));
    return ceiling / 2 + (Math.random() * ceiling) / 2;
  }

  #guard(call: () => void): void {
    try {
      call();
    } catch (error) {
      this.#report(error);
    }
  }

  #report(error: unknown): void {
    for (const handler of this.#errorHandlers) handler(error);
    if (this.#errorHandlers.size > 0) return;
    // An outage fails every sync and gap fill until it ends: one line for all of them, not a stack each.
    if (error instanceof RoomlogError && error.code === 'UNAVAILABLE') {
      if (!this.#outage) console.warn(`${error.message} (not logged again until the server answers)`);
      this.#outage = true;
      return;
    }
    console.error('[roomlog] [client]', error);
  }
}

/**
 * Wraps a `socket.io-client` socket with Roomlog's client: ordered, de-duplicated delivery per
 * room, sync on every (re)connect, gap filling and catch-up retried until they succeed, ordered
 * sends with retry and a persistent outbox, history and read markers.
 *
 * @param socket - the socket, connected or not; the client follows its reconnects.
 * @param options - storage for room positions and the outbox (e.g. `localStorage`), timeouts, retry settings.
 */
export function roomlogClient<Events extends EventDataMap = AnyEventData>(
  socket: AnySocket,
  options: RoomlogClientOptions = {},
): RoomlogClient<Events> {
  return new RoomlogClient<Events>(socket, options);
}
