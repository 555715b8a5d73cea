/**
 * Options of `roomlog()`, their defaults, and their validation.
 */
import type { DefaultEventsMap, Socket } from 'socket.io';
import type { BatcherOptions } from '../batcher';
import { type RoomlogError, invalidArgument } from '../errors';
import type { MessageStore } from '../store';
import { MAX_READ_LIMIT, validateInteger } from '../validation';
import { defaultAuthorize } from './authorize';
import { aggregatingOnError } from './error-log';
import { type ResolvedLimits, type RoomlogLimits, resolveLimits } from './limits';
import type { MessageEnvelope } from './protocol';
import type { AnyEventData, EntryOf, EventDataMap, EventName, PersistMessage, StoredOf } from './typed';

/**
 * Socket.IO's `EventsMap` (not exported by `socket.io`): the constraint of its event-map
 * generics. `any` is Socket.IO's own choice; a narrower type would reject typed event maps.
 */
export type EventsMap = { [event: string]: any };

/** A Socket.IO server socket as Roomlog's hooks see it, typed with your event maps. */
export type RoomlogSocket<
  ListenEvents extends EventsMap = DefaultEventsMap,
  EmitEvents extends EventsMap = DefaultEventsMap,
  ServerSideEvents extends EventsMap = DefaultEventsMap,
  SocketData = unknown,
> = Socket<ListenEvents, EmitEvents, ServerSideEvents, SocketData>;

/**
 * A socket receiving an entry. For live delivery it may live on another node (a Socket.IO
 * `RemoteSocket`), so only what both kinds share is offered.
 */
export interface Recipient<SocketData = unknown> {
  readonly id: string;
  readonly handshake: Socket['handshake'];
  readonly rooms: ReadonlySet<string>;
  readonly data: SocketData;
}

/** What a socket asks to do with a room. `join` is asked when it syncs a room it is not in yet. */
export type AuthorizeAction = 'read' | 'write' | 'join';

/** The question `authorize` answers. */
export interface AuthorizeRequest {
  action: AuthorizeAction;
  /** Socket.IO namespace name, e.g. `'/'`. */
  namespace: string;
  room: string;
}

/** Where an error happened, for `onError`. */
export interface ErrorContext<S extends RoomlogSocket = RoomlogSocket> {
  /** The Roomlog or app event being handled, e.g. `'roomlog:sync'` or `'chat'`; `'publish'` etc. for handle calls. */
  event: string;
  /** The socket involved, when there is one. */
  socket?: Recipient<S['data']> | undefined;
}

/**
 * Hooks into the message path. Each may be async; each runs for one message (and, for
 * `beforeDeliver`, one recipient). `Events` types `data` by event (see `EventDataMap`).
 */
export interface RoomlogHooks<S extends RoomlogSocket = RoomlogSocket, Events extends EventDataMap = AnyEventData> {
  /**
   * Runs before a client message is stored. Return the message to store (changed or not), or
   * `null` to drop it (the sender's ack is `{ ok: true, message: null }`). Throw a `RoomlogError`
   * to refuse it with that code.
   */
  beforePersist?:
    | ((socket: S, message: PersistMessage<Events>) => PersistMessage<Events> | null | Promise<PersistMessage<Events> | null>)
    | undefined;
  /** Runs after an entry was stored and broadcast (socket is `null` for handle calls). Errors go to `onError`. */
  afterPersist?: ((socket: S | null, message: StoredOf<Events>, info: { duplicate: boolean }) => void | Promise<void>) | undefined;
  /**
   * Runs once per recipient for every entry it would receive: live, in sync replays, in history
   * pages and in acks. Return the envelope to send (e.g. decrypted, redacted) or `null` to
   * withhold it (the client then receives only its seq). Setting it makes live delivery fetch
   * the room's sockets across nodes for each entry instead of one room broadcast.
   */
  beforeDeliver?:
    | ((recipient: Recipient<S['data']>, envelope: EntryOf<Events>) => EntryOf<Events> | null | Promise<EntryOf<Events> | null>)
    | undefined;
  /**
   * Receives every error Roomlog reports to a client, and errors of `afterPersist`.
   * @default per 10 s, the first `INTERNAL`, `UNAVAILABLE` or `UNSUPPORTED` error of each code and event with `console.error`, and one `console.warn` line counting the rest (repeats and refusals of client input), so a flood never prints a stack per request
   */
  onError?: ((error: RoomlogError, context: ErrorContext<S>) => void) | undefined;
}

/** Options of `roomlog()`; `Events` types the persisted events' `data` (see `EventDataMap`). */
export interface RoomlogOptions<S extends RoomlogSocket = RoomlogSocket, Events extends EventDataMap = AnyEventData> {
  /** Where messages are stored. Roomlog never closes it; you own it. */
  store: MessageStore;
  /**
   * Which client events are persisted: a list of names, or a predicate. A persisted event
   * carries `{ room, data, clientMessageId }` and an ack. `roomlog:*` names are never persisted.
   */
  events: readonly EventName<Events>[] | ((event: string) => boolean);
  /**
   * Decides whether a socket may read, write or join a room. Anything but `true` refuses
   * (`FORBIDDEN`), and so does a throw.
   * @default read and write only rooms the socket is in (`socket.rooms`, not its own id room); refuse every `join`
   */
  authorize?: ((socket: S, request: AuthorizeRequest) => boolean | Promise<boolean>) | undefined;
  /**
   * The user id of a socket: stored as `senderId`, used for read markers and to let users
   * edit or delete only their own messages.
   * @default `socket.data.userId` when it is a non-empty string, else none
   */
  userId?: ((socket: S) => string | undefined) | undefined;
  /**
   * Most entries a sync replays per room (1–1000). A client further behind gets the latest
   * page and `reason: 'too-far-behind'`, and pages older entries with history.
   * @default 500
   */
  replayLimit?: number | undefined;
  /** Most rooms in one `roomlog:sync` request. @default 100 */
  maxSyncRooms?: number | undefined;
  /**
   * How often each node reads the head of every room its own members follow (one read per room,
   * whatever the number of members) and tells members that missed a broadcast (the adapter
   * dropped it) to fetch it. A dropped last message reaches every member within about this
   * interval plus one round trip. `0` turns it off.
   * @default 2000
   */
  healIntervalMs?: number | undefined;
  /** Group-commit settings for appends. */
  batch?: BatcherOptions | undefined;
  /**
   * For a migration from a plain Socket.IO app: every stored `message` entry is also emitted to
   * the room under its own event name (`chat`, ...), for clients not yet on `@roomlog/client`.
   * `true` emits the entry's `data` (what such clients received from `io.to(room).emit(event, data)`);
   * a function returns the payload to emit, or `undefined` to emit nothing for that entry.
   * Edit and delete log entries and withheld entries are never emitted this way. Live only: such
   * clients get no replay. See docs/migrating.md.
   * @default false
   */
  legacyDelivery?: boolean | ((entry: EntryOf<Events>) => unknown) | undefined;
  /**
   * Bounds on what one client can make the server do: packet bytes and attachments, binary
   * values per message, and per socket requests, writes, reads, output buffer and rooms.
   * Every default is far above what a normal chat uses; see docs/security.md.
   */
  limits?: RoomlogLimits | undefined;
  hooks?: RoomlogHooks<S, Events> | undefined;
}

/** Options with defaults applied. */
export interface ResolvedRoomlogOptions<S extends RoomlogSocket> {
  store: MessageStore;
  persists: (event: string) => boolean;
  /** The persisted event names when `events` is a list (told to clients at sync), else `null`. */
  eventNames: readonly string[] | null;
  /** What a legacy client receives for an entry, or `null` when `legacyDelivery` is off. */
  legacyPayload: ((entry: MessageEnvelope) => unknown) | null;
  authorize: (socket: S, request: AuthorizeRequest) => boolean | Promise<boolean>;
  userId: (socket: S) => string | undefined;
  replayLimit: number;
  maxSyncRooms: number;
  healIntervalMs: number;
  batch: BatcherOptions;
  limits: ResolvedLimits;
  hooks: RoomlogHooks<S> & { onError: NonNullable<RoomlogHooks<S>['onError']> };
}

const BACKEND = 'socket';

function defaultUserId(socket: RoomlogSocket): string | undefined {
  const userId: unknown = (socket.data as { userId?: unknown } | null | undefined)?.userId;
  return typeof userId === 'string' && userId !== '' ? userId : undefined;
}

function persistPredicate(events: unknown): (event: string) => boolean {
  const notOurs = (event: string) => !event.startsWith('roomlog:');
  if (typeof events === 'function') {
    const predicate = events as (event: string) => boolean;
    return (event) => notOurs(event) && predicate(event) === true;
  }
  if (Array.isArray(events) && events.every((event) => typeof event === 'string' && event !== '')) {
    const names = new Set<string>(events);
    return (event) => notOurs(event) && names.has(event);
  }
  throw invalidArgument(BACKEND, 'events', 'must be a list of event names or a predicate');
}

/** Longest heal interval: timers overflow past 2^31 - 1 ms and would fire at once. */
const MAX_HEAL_INTERVAL_MS = 2_147_483_647;

function healInterval(value: number | undefined): number {
  const interval = validateInteger(BACKEND, 'healIntervalMs', value ?? 2_000, 0);
  if (interval > MAX_HEAL_INTERVAL_MS) throw invalidArgument(BACKEND, 'healIntervalMs', `must be at most ${MAX_HEAL_INTERVAL_MS}`);
  return interval;
}

/**
 * Validates `roomlog()` options and applies defaults.
 * @throws RoomlogError `INVALID_ARGUMENT` for a missing store, bad `events` or an out-of-range limit.
 */
export function resolveRoomlogOptions<S extends RoomlogSocket>(options: RoomlogOptions<S>): ResolvedRoomlogOptions<S> {
  const store = options?.store;
  if (!store || typeof store.append !== 'function' || typeof store.read !== 'function') {
    throw invalidArgument(BACKEND, 'store', 'must be a MessageStore');
  }
  const replayLimit = validateInteger(BACKEND, 'replayLimit', options.replayLimit ?? 500, 1);
  if (replayLimit > MAX_READ_LIMIT) throw invalidArgument(BACKEND, 'replayLimit', `must be at most ${MAX_READ_LIMIT}`);
  const { legacyDelivery } = options;
  if (legacyDelivery !== undefined && typeof legacyDelivery !== 'boolean' && typeof legacyDelivery !== 'function') {
    throw invalidArgument(BACKEND, 'legacyDelivery', 'must be a boolean or a function');
  }
  const persists = persistPredicate(options.events);
  return {
    store,
    persists,
    eventNames: Array.isArray(options.events) ? [...new Set(options.events as readonly string[])].filter(persists) : null,
    legacyPayload: typeof legacyDelivery === 'function' ? legacyDelivery : legacyDelivery ? (entry) => entry.data : null,
    authorize: options.authorize ?? defaultAuthorize,
    userId: options.userId ?? defaultUserId,
    replayLimit,
    maxSyncRooms: validateInteger(BACKEND, 'maxSyncRooms', options.maxSyncRooms ?? 100, 1),
    healIntervalMs: healInterval(options.healIntervalMs),
    batch: options.batch ?? {},
    limits: resolveLimits(options.limits),
    hooks: { ...options.hooks, onError: options.hooks?.onError ?? aggregatingOnError() },
  };
}
