/**
 * `roomlogClient()`: the client side of Roomlog over a `socket.io-client` socket. It keeps each
 * joined room's position, syncs on every (re)connect, merges replay with live delivery, drops
 * repeats, delivers in seq order, fills gaps, and sends with retry until the server acks.
 */
import type { Socket } from 'socket.io-client';
import { RoomlogError } from './errors';
import { RoomFeed } from './feed';
import {
  type Ack,
  type DeliveredEntry,
  EVENTS,
  type HistoryPage,
  type MessageEnvelope,
  type ReadReceipt,
  type StreamHead,
  type SyncReason,
  type SyncRoomResult,
} from './protocol';
import { type RoomPosition, type RoomlogStorage, loadPosition, memoryStorage } from './storage';

/** Options of {@link roomlogClient}. */
export interface RoomlogClientOptions {
  /** Where room positions are kept, e.g. `localStorage`. @default in memory */
  storage?: RoomlogStorage | undefined;
  /** Prefix of storage keys (`<prefix>:<room>`); use one per server URL and namespace. @default 'roomlog' */
  storagePrefix?: string | undefined;
  /** How long one request waits for its ack, in ms. @default 10000 */
  requestTimeoutMs?: number | undefined;
  /** How long `send` keeps retrying before it rejects with `UNAVAILABLE`, in ms. @default 30000 */
  sendTimeoutMs?: number | undefined;
  /** First retry delay of `send`, in ms; doubles per attempt (with jitter). @default 100 */
  retryDelayMs?: number | undefined;
  /** Longest retry delay of `send`, in ms. @default 5000 */
  maxRetryDelayMs?: number | undefined;
  /** Entries fetched per request when filling a gap (1–1000). @default 200 */
  gapPageSize?: number | undefined;
}

/** Options of one `send`. */
export interface SendOptions {
  /** Idempotency key. @default a new `crypto.randomUUID()` */
  clientMessageId?: string | undefined;
  /** Overrides `sendTimeoutMs` for this call, in ms. */
  timeoutMs?: number | undefined;
}

/**
 * The client could not simply continue a room from its position. Entries between `previous.seq`
 * and `resumedAt` were not replayed: page them with `history(room, { before: resumedAt + 1 })`
 * (`too-far-behind`), they are gone (`truncated`), or the old position is void (`epoch-changed`).
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
export type MessageHandler = (message: MessageEnvelope) => void;

interface RoomState {
  feed: RoomFeed | null;
  key: string;
  syncing: number;
  /** Settles when the latest sync of this room settles; sends wait for it so they follow the re-join. */
  synced: Promise<void>;
  filling: boolean;
  saved: string;
  /** Settles with the room's first sync: what `join` waits for. */
  joined: Promise<void>;
  settle(error: RoomlogError | null): void;
  settled: boolean;
}

// Any typed socket is accepted: `any` is socket.io-client's own event-map constraint, and the
// client only uses Roomlog's events, which it emits through the untyped view.
type AnySocket = Socket<any, any>;

const positive = (value: number | undefined, fallback: number) =>
  value !== undefined && Number.isFinite(value) && value > 0 ? value : fallback;

/** The Roomlog client. Create it with {@link roomlogClient}. */
export class RoomlogClient {
  readonly #socket: Socket;
  readonly #storage: RoomlogStorage;
  readonly #prefix: string;
  readonly #requestTimeoutMs: number;
  readonly #sendTimeoutMs: number;
  readonly #retryDelayMs: number;
  readonly #maxRetryDelayMs: number;
  readonly #gapPageSize: number;
  readonly #rooms = new Map<string, RoomState>();
  readonly #handlers = new Map<string, Map<string, Set<MessageHandler>>>();
  readonly #resetHandlers = new Set<(notice: ResetNotice) => void>();
  readonly #receiptHandlers = new Set<(receipt: ReadReceipt) => void>();
  readonly #errorHandlers = new Set<(error: unknown) => void>();
  /** The events the server persists, as its last sync answer listed them; `null` when it did not say. */
  #persisted: ReadonlySet<string> | null = null;
  /** True after an `UNAVAILABLE` was logged, until a sync succeeds. */
  #outage = false;
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
    this.#socket.on('connect', this.#onConnect);
    this.#socket.on(EVENTS.message, this.#onMessage);
    this.#socket.on(EVENTS.receipt, this.#onReceipt);
  }

  /**
   * Starts following a room: loads its stored position, syncs it (the server joins the socket
   * if `authorize` allows) and keeps it synced on every reconnect.
   * @returns once the first sync answered; rejects with the server's error (e.g. `FORBIDDEN`).
   */
  join(room: string): Promise<void> {
    const existing = this.#rooms.get(room);
    if (existing) return existing.joined;
    let settle!: (error: RoomlogError | null) => void;
    const joined = new Promise<void>((resolve, reject) => {
      settle = (error) => (error ? reject(error) : resolve());
    });
    const state: RoomState = { feed: null, key: `${this.#prefix}:${room}`, syncing: 0, synced: Promise.resolve(), filling: false, saved: '', joined, settled: false, settle: () => {} };
    state.settle = (error) => {
      if (state.settled) return;
      state.settled = true;
      if (error && this.#rooms.get(room) === state) this.#rooms.delete(room);
      settle(error);
    };
    // A send to this room waits for the join: the server may only let the socket in through the sync.
    state.synced = joined.catch(() => {});
    this.#rooms.set(room, state);
    void loadPosition(this.#storage, state.key).then((offset) => {
      state.saved = JSON.stringify(offset);
      state.feed = new RoomFeed(offset, (message) => this.#dispatch(room, message));
      if (this.#socket.connected) void this.#sync([room]);
    });
    return joined;
  }

  /** Stops following a room and asks the server to take the socket out of it. */
  async leave(room: string): Promise<void> {
    this.#rooms.delete(room);
    await this.#request(EVENTS.leave, { room });
  }

  /**
   * Subscribes to a room's entries of one event (`'*'` for all).
   * @returns a function that unsubscribes.
   */
  on(room: string, event: string, handler: MessageHandler): () => void {
    let byEvent = this.#handlers.get(room);
    if (!byEvent) this.#handlers.set(room, (byEvent = new Map()));
    let handlers = byEvent.get(event);
    if (!handlers) byEvent.set(event, (handlers = new Set()));
    handlers.add(handler);
    return () => handlers.delete(handler);
  }

  /** Subscribes to {@link ResetNotice}s. @returns a function that unsubscribes. */
  onReset(handler: (notice: ResetNotice) => void): () => void {
    this.#resetHandlers.add(handler);
    return () => this.#resetHandlers.delete(handler);
  }

  /** Subscribes to read receipts of followed rooms. @returns a function that unsubscribes. */
  onReceipt(handler: (receipt: ReadReceipt) => void): () => void {
    this.#receiptHandlers.add(handler);
    return () => this.#receiptHandlers.delete(handler);
  }

  /**
   * Subscribes to errors nothing else reports: a failed background sync or gap fill, a message
   * handler that threw. Without a subscriber they are logged with `console.error`, except
   * `UNAVAILABLE`: one `console.warn` line per outage (until a sync succeeds again).
   * @returns a function that unsubscribes.
   */
  onError(handler: (error: unknown) => void): () => void {
    this.#errorHandlers.add(handler);
    return () => this.#errorHandlers.delete(handler);
  }

  /**
   * Sends a message to be stored: stamps a `clientMessageId` and retries (waiting for a
   * connection, with backoff) until the server acks or the deadline passes. Retries are safe:
   * the server stores one message per `clientMessageId`.
   * @returns the stored entry; `null` when the server's `beforePersist` dropped it or `beforeDeliver` withheld it from you.
   * @throws RoomlogError with the server's code (`FORBIDDEN`, `INVALID_ARGUMENT`, ...), or `UNAVAILABLE` past the deadline.
   */
  async send(room: string, event: string, data: unknown, options: SendOptions = {}): Promise<MessageEnvelope | null> {
    const clientMessageId = options.clientMessageId ?? globalThis.crypto.randomUUID();
    const deadline = Date.now() + positive(options.timeoutMs, this.#sendTimeoutMs);
    let lastError: unknown = null;
    for (let attempt = 0; Date.now() < deadline; attempt++) {
      if (attempt > 0) await delay(Math.min(this.#backoff(attempt), deadline - Date.now()));
      if (!(await this.#connected(deadline))) break;
      // After a reconnect the server knows the socket's rooms again only once the sync re-joined them.
      await this.#rooms.get(room)?.synced;
      this.#assertPersisted(event);
      try {
        const timeout = Math.max(1, Math.min(this.#requestTimeoutMs, deadline - Date.now()));
        const ack = await this.#request<{ message: DeliveredEntry | null }>(event, { room, data, clientMessageId }, timeout);
        if (!ack.message) return null;
        this.#take(room, ack.message);
        return 'withheld' in ack.message ? null : ack.message;
      } catch (error) {
        if (!(error instanceof RoomlogError) || error.code !== 'UNAVAILABLE') throw error;
        lastError = error;
      }
    }
    throw new RoomlogError('UNAVAILABLE', `send to room ${JSON.stringify(room)} was not acknowledged in time`, lastError);
  }

  /** A page of a room, with the store's cursor rules (`after`, `before`, `limit` 1–1000, default 50). */
  history(room: string, query: { before?: number; after?: number; limit?: number } = {}): Promise<HistoryPage> {
    return this.#request<HistoryPage>(EVENTS.history, { room, ...query });
  }

  /** Edits one of your own messages. @returns the edited message as the server returns it. */
  async edit(room: string, seq: number, data: unknown): Promise<DeliveredEntry> {
    return (await this.#request<{ message: DeliveredEntry }>(EVENTS.edit, { room, seq, data })).message;
  }

  /** Deletes one of your own messages. @returns the tombstone. */
  async delete(room: string, seq: number): Promise<DeliveredEntry> {
    return (await this.#request<{ message: DeliveredEntry }>(EVENTS.delete, { room, seq })).message;
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

  /** Stops listening to the socket. The socket itself stays as it is. */
  close(): void {
    this.#closed = true;
    this.#socket.off('connect', this.#onConnect);
    this.#socket.off(EVENTS.message, this.#onMessage);
    this.#socket.off(EVENTS.receipt, this.#onReceipt);
    this.#rooms.clear();
  }

  #onConnect = (): void => {
    void this.#sync([...this.#rooms.keys()]);
  };

  #onMessage = (entry: DeliveredEntry): void => {
    if (typeof entry?.room !== 'string' || !Number.isSafeInteger(entry.seq)) return;
    this.#take(entry.room, entry);
  };

  #onReceipt = (receipt: ReadReceipt): void => {
    if (!this.#rooms.has(receipt?.room)) return;
    for (const handler of this.#receiptHandlers) this.#guard(() => handler(receipt));
  };

  /** Feeds a live or acked entry; resyncs on a foreign epoch, fills a gap it reveals. */
  #take(room: string, entry: DeliveredEntry): void {
    const state = this.#rooms.get(room);
    if (!state?.feed) return;
    if (state.feed.offer(entry) === 'other-epoch') void this.#sync([room]);
    else this.#afterChange(room, state);
  }

  #afterChange(room: string, state: RoomState): void {
    this.#save(state);
    if (state.feed?.hasGap) void this.#fill(room, state);
  }

  /** Syncs rooms whose position is loaded, in one request. */
  #sync(rooms: readonly string[]): Promise<void> {
    const targets = rooms.flatMap((room) => {
      const state = this.#rooms.get(room);
      return state?.feed ? [{ room, state, feed: state.feed, from: state.feed.seq, epoch: state.feed.epoch }] : [];
    });
    if (targets.length === 0) return Promise.resolve();
    const run = this.#runSync(targets);
    for (const { state } of targets) state.synced = run;
    return run;
  }

  async #runSync(targets: { room: string; state: RoomState; feed: RoomFeed; from: number; epoch: string | null }[]): Promise<void> {
    for (const { state } of targets) state.syncing++;
    type SyncAnswer = { rooms: Record<string, Ack<SyncRoomResult>>; events?: readonly string[] };
    let answer: SyncAnswer | null = null;
    try {
      answer = await this.#request<SyncAnswer>(EVENTS.sync, {
        rooms: Object.fromEntries(targets.map(({ room, from, epoch }) => [room, { after: from, epoch }])),
      });
    } catch (error) {
      const failure = error as RoomlogError; // #request throws nothing else
      if (failure.code === 'UNAVAILABLE') {
        // Disconnected: the next connect syncs again. Still connected (the server was slow): retry.
        if (this.#socket.connected && !this.#closed) setTimeout(() => void this.#sync(targets.map((t) => t.room)), this.#retryDelayMs);
      } else {
        for (const { state } of targets) state.settle(failure);
        this.#report(failure);
      }
    }
    if (answer) this.#persisted = Array.isArray(answer.events) ? new Set(answer.events) : null;
    if (answer && Object.values(answer.rooms).some((result) => result?.ok)) this.#outage = false;
    for (const { room, state, feed, from, epoch } of targets) {
      state.syncing--;
      const result = answer?.rooms[room];
      if (!result || this.#rooms.get(room) !== state) continue;
      if (!result.ok) {
        const error = RoomlogError.fromPayload(result.error);
        if (state.settled) this.#report(error);
        state.settle(error);
        continue;
      }
      this.#applySync(room, feed, { seq: from, epoch }, result);
      state.settle(null);
      this.#afterChange(room, state);
    }
  }

  /** Applies one room's sync answer; `previous` is the position the request was made from. */
  #applySync(room: string, feed: RoomFeed, previous: RoomPosition, result: SyncRoomResult): void {
    const { head, messages, reason } = result;
    const firstSeq = messages[0]?.seq;
    let start = previous.seq;
    if (reason === 'epoch-changed' || reason === 'too-far-behind') {
      start = firstSeq === undefined ? (head?.seq ?? 0) : firstSeq - 1;
      // Live entries may already have carried the position past the page start.
      if (reason === 'epoch-changed' || start > feed.seq) feed.reset(start, head?.epoch ?? null);
      start = feed.seq;
    }
    feed.applyPage(start, messages, head?.seq ?? start, head?.epoch ?? null);
    if (reason) {
      // Truncated: entries below the oldest retained one are gone; delivery went on from there.
      const resumedAt = reason === 'truncated' && head ? Math.max(start, head.firstSeq - 1) : start;
      const notice: ResetNotice = { room, reason, previous, resumedAt, head };
      for (const handler of this.#resetHandlers) this.#guard(() => handler(notice));
    }
  }

  /** Fetches what is missing behind a gap, page by page, until the buffered entries can flow. */
  async #fill(room: string, state: RoomState): Promise<void> {
    if (state.filling || state.syncing > 0 || !this.#socket.connected) return;
    state.filling = true;
    try {
      while (state.feed?.hasGap && this.#rooms.get(room) === state && state.syncing === 0) {
        const feed = state.feed;
        const from = feed.seq;
        const page = await this.history(room, { after: from, limit: this.#gapPageSize });
        const last = page.messages.at(-1)?.seq ?? from;
        feed.applyPage(from, page.messages, page.hasMore ? last : (page.head?.seq ?? from), page.head?.epoch ?? null);
        this.#save(state);
        if (feed.seq === from) break; // the server knows nothing newer yet; the next entry retries
      }
    } catch (error) {
      this.#report(error);
    } finally {
      state.filling = false;
    }
  }

  #dispatch(room: string, message: MessageEnvelope): void {
    const byEvent = this.#handlers.get(room);
    if (!byEvent) return;
    for (const event of [message.event, '*']) {
      for (const handler of byEvent.get(event) ?? []) this.#guard(() => handler(message));
    }
  }

  #save(state: RoomState): void {
    if (!state.feed) return;
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
    if (answer?.ok === false) throw RoomlogError.fromPayload(answer.error);
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

  /** Resolves `true` once connected, `false` if the deadline passes first. */
  #connected(deadline: number): Promise<boolean> {
    if (this.#socket.connected) return Promise.resolve(true);
    return new Promise((resolve) => {
      const done = (connected: boolean) => {
        clearTimeout(timer);
        this.#socket.off('connect', onConnect);
        resolve(connected);
      };
      const onConnect = () => done(true);
      const timer = setTimeout(() => done(false), Math.max(0, deadline - Date.now()));
      this.#socket.on('connect', onConnect);
    });
  }

  #backoff(attempt: number): number {
    return Math.random() * Math.min(this.#maxRetryDelayMs, this.#retryDelayMs * 2 ** (attempt - 1));
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

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));
}

/**
 * Wraps a `socket.io-client` socket with Roomlog's client: ordered, de-duplicated delivery per
 * room, sync on every (re)connect, gap filling, send with retry, history and read markers.
 *
 * @param socket - the socket, connected or not; the client follows its reconnects.
 * @param options - storage for room positions (e.g. `localStorage`), timeouts, retry settings.
 */
export function roomlogClient(socket: AnySocket, options: RoomlogClientOptions = {}): RoomlogClient {
  return new RoomlogClient(socket, options);
}
