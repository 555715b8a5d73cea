/**
 * `roomlog()`: attaches durable, sequenced room history to a Socket.IO server or namespace
 * and returns the handle for server-side calls. Only public Socket.IO API is used, so any
 * adapter (Redis, Redis streams, cluster) carries the broadcasts between nodes.
 */
import type { DefaultEventsMap, Namespace, Server, Socket } from 'socket.io';
import { AppendBatcher } from '../batcher';
import { invalidArgument } from '../errors';
import type { MessageStore, ReadQuery, StoredMessage } from '../store';
import { instrumentStore, observeQueue } from '../telemetry';
import { MAX_NAME_BYTES, validateText } from '../validation';
import { changeMessage, changeOwnMessage } from './changes';
import { markRead, markReadFromClient, unreadCount, unreadFromClient } from './markers';
import { EntrySizes } from './budget';
import { ReadCoalescer } from './coalesce';
import { Healer } from './heal';
import { Fairness, type RequestKind } from './fairness';
import type { RoomlogContext } from './context';
import { toEnvelope } from './envelope';
import { history, readPage } from './history';
import type { EventsMap, RoomlogOptions } from './options';
import type { AnyEventData, EntryOf, EventDataMap, EventName } from './typed';
import { resolveRoomlogOptions } from './options';
import { broadcast } from './deliver';
import { commit, persistClientMessage } from './persist';
import { type HistoryPage, type MessageEnvelope, ROOMLOG_EVENTS } from './protocol';
import { respond } from './respond';
import { sync } from './sync';

/** A message the server publishes itself; `Events` types `data` by `event`. */
export interface PublishInput<Events extends EventDataMap = AnyEventData, Event extends EventName<Events> = EventName<Events>> {
  room: string;
  /** Event name clients receive it under. */
  event: Event;
  data: Events[Event];
  senderId?: string | undefined;
  /** Idempotency key: publishing twice with the same key stores once. */
  clientMessageId?: string | undefined;
  /** Time to live in ms (needs the store's `retention` capability). */
  ttlMs?: number | undefined;
}

/** What `roomlog()` returns: server-side access to the rooms of one namespace. */
export interface Roomlog<
  ListenEvents extends EventsMap = DefaultEventsMap,
  EmitEvents extends EventsMap = DefaultEventsMap,
  ServerSideEvents extends EventsMap = DefaultEventsMap,
  SocketData = unknown,
  Events extends EventDataMap = AnyEventData,
> {
  /** The namespace this integration serves. */
  readonly namespace: Namespace<ListenEvents, EmitEvents, ServerSideEvents, SocketData>;
  /** The store it writes to. */
  readonly store: MessageStore;
  /**
   * Stores a server-originated message, broadcasts it to the room and runs `afterPersist`.
   * `beforePersist` and `authorize` do not apply: the server is trusted.
   * @returns the stored entry once it is durable.
   */
  publish<Event extends EventName<Events>>(message: PublishInput<Events, Event>): Promise<MessageEnvelope<Events[Event], Event>>;
  /**
   * Broadcasts entries that were stored without this handle, e.g. by `store.append(batch, { client })`
   * inside your own database transaction, once it committed. Clients that miss the broadcast
   * still get the entries on their next sync; this makes them live.
   * @throws RoomlogError `INVALID_ARGUMENT` for an entry of another namespace (nothing is sent).
   */
  deliver(messages: readonly StoredMessage[]): Promise<void>;
  /** A page of a room, with the store's cursor rules (`beforeDeliver` does not apply). */
  history(room: string, query?: ReadQuery): Promise<HistoryPage<EntryOf<Events>>>;
  /**
   * Edits message `seq` and broadcasts the `edit` log entry.
   * @param by - who edited it, recorded as the log entry's `senderId`.
   * @returns the edited message.
   */
  edit(room: string, seq: number, data: Events[EventName<Events>], by?: string): Promise<EntryOf<Events>>;
  /** Deletes message `seq` (tombstone) and broadcasts the `delete` log entry. @returns the tombstone. */
  delete(room: string, seq: number, by?: string): Promise<EntryOf<Events>>;
  /** Moves `userId`'s read marker forward to `seq` and broadcasts a receipt. @returns the marker after the call. */
  markRead(room: string, userId: string, seq: number): Promise<number>;
  /** Live messages after `userId`'s marker that the user did not send. */
  unreadCount(room: string, userId: string): Promise<number>;
  /**
   * Runs one healing round now (it also runs every `healIntervalMs`): reads the head of every
   * room this node's sockets follow and tells them where it is when it moved past what this
   * node broadcast, so members that missed a broadcast fetch it. Call it, say, when the
   * adapter reconnects, to heal at once what it dropped.
   */
  heal(): Promise<void>;
  /**
   * Detaches from the namespace (its sockets stop being served) and waits for queued appends
   * to settle. Does not close the store. Idempotent.
   */
  close(): Promise<void>;
}

type AnyArgs = unknown[];

/** Socket.IO passes the ack callback last; a client may also send none, or send it without a payload. */
function splitArgs(args: AnyArgs): { payload: unknown; ack: unknown } {
  const last = args.at(-1);
  const ack = typeof last === 'function' ? last : undefined;
  return { payload: args[0] === ack ? undefined : args[0], ack };
}

/**
 * True for what can only be a Roomlog send the server does not persist: a send payload with an
 * ack, under an event nothing else on the socket listens to. Answering it at once spares the
 * client a retry loop that ends in a misleading `UNAVAILABLE`; anything the app might handle
 * itself (a listener of that event, another catch-all) is left alone.
 */
function isUnservedSend(socket: Socket, event: string, payload: unknown, ack: unknown): ack is (answer: unknown) => void {
  if (typeof ack !== 'function' || event.startsWith('roomlog:')) return false;
  const looksLikeSend = payload !== null && typeof payload === 'object' && 'room' in payload && 'clientMessageId' in payload;
  return looksLikeSend && socket.listeners(event).length === 0 && socket.listenersAny().length === 1;
}

function notPersistedAnswer<S extends Socket>(ctx: RoomlogContext<S>, event: string): object {
  const names = ctx.options.eventNames;
  const known = names ? ` (it persists: ${names.map((name) => JSON.stringify(name)).join(', ')})` : '';
  const error = invalidArgument(
    'socket',
    'event',
    `${JSON.stringify(event)} is not persisted by this server${known}; see the events option`,
  );
  return { ok: false, error: error.toJSON() };
}

/** Sockets already warned about a refused emit that carried no ack; one line per socket is enough. */
const warnedSockets = new WeakSet<object>();

/**
 * The stand-in ack of a persisted event emitted without one (a plain `socket.emit(event, ...)`
 * from a client not on `@roomlog/client`). A refusal could not be answered, so it is logged,
 * once per socket, instead of vanishing.
 */
function unanswered<S extends Socket>(ctx: RoomlogContext<S>, socket: S, event: string): (answer: unknown) => void {
  return (answer) => {
    const error =
      (answer as { ok?: boolean; error?: { message?: string } }).ok === false ? (answer as { error: { message: string } }).error : null;
    if (!error || warnedSockets.has(socket)) return;
    warnedSockets.add(socket);
    console.warn(
      `[roomlog] [socket] a ${JSON.stringify(event)} emit without an ack from socket ${socket.id} was refused and could not be told: ` +
        `${error.message}. Clients send { room, data, clientMessageId } with an ack (@roomlog/client does); see docs/migrating.md`,
    );
  };
}

/** How each Roomlog request counts against its socket's share (see `fairness.ts`). */
const REQUEST_KINDS: Partial<Record<string, RequestKind>> = {
  [ROOMLOG_EVENTS.sync]: 'read',
  [ROOMLOG_EVENTS.history]: 'read',
  // A count scans up to UNREAD_SCAN_LIMIT entries: as much work as a page, so it shares the reads' slots.
  [ROOMLOG_EVENTS.unread]: 'read',
  [ROOMLOG_EVENTS.edit]: 'write',
  [ROOMLOG_EVENTS.delete]: 'write',
};

/** Registers Roomlog's handlers on one socket; returns what removes them. */
function attach<S extends Socket>(ctx: RoomlogContext<S>, socket: S): () => void {
  const handlers: Record<string, (payload: unknown) => Promise<object>> = {
    [ROOMLOG_EVENTS.sync]: (payload) => sync(ctx, socket, payload),
    [ROOMLOG_EVENTS.history]: (payload) => history(ctx, socket, payload),
    [ROOMLOG_EVENTS.leave]: async (payload) => {
      const room = validateText('socket', 'room', (payload as { room?: unknown } | null)?.room, MAX_NAME_BYTES);
      // The socket's own room is how the server addresses it; a client cannot opt out of it.
      if (room === socket.id) throw invalidArgument('socket', 'room', "is the socket's own room, which it cannot leave");
      await socket.leave(room);
      return {};
    },
    [ROOMLOG_EVENTS.edit]: (payload) => changeOwnMessage(ctx, socket, 'edit', payload),
    [ROOMLOG_EVENTS.delete]: (payload) => changeOwnMessage(ctx, socket, 'delete', payload),
    [ROOMLOG_EVENTS.markRead]: (payload) => markReadFromClient(ctx, socket, payload),
    [ROOMLOG_EVENTS.unread]: (payload) => unreadFromClient(ctx, socket, payload),
  };
  const listeners = Object.entries(handlers).map(([event, work]) => {
    const kind = REQUEST_KINDS[event] ?? 'other';
    const listener = (...args: AnyArgs) => {
      const { payload, ack } = splitArgs(args);
      respond(ctx, socket, event, ack, work, payload, kind);
    };
    socket.on(event, listener);
    return [event, listener] as const;
  });
  // One catch-all listener serves both forms of `events` (list or predicate).
  const persist = (payload: unknown, event: string) => persistClientMessage(ctx, socket, event, payload);
  const persisted = (event: string, ...args: AnyArgs) => {
    const { payload, ack } = splitArgs(args);
    if (!ctx.options.persists(event)) {
      if (isUnservedSend(socket, event, payload, ack)) ack(notPersistedAnswer(ctx, event));
      return;
    }
    respond(ctx, socket, event, ack ?? unanswered(ctx, socket, event), persist, payload, 'write');
  };
  socket.onAny(persisted);
  return () => {
    for (const [event, listener] of listeners) socket.off(event, listener);
    socket.offAny(persisted);
  };
}

/**
 * Attaches Roomlog to a Socket.IO server (its main namespace) or to one namespace. Call it once
 * per namespace, on every node, with stores that share one database.
 *
 * `Events`, the one type argument to give, types each persisted event's `data` on the hooks
 * and the returned handle (`roomlog<{ chat: { text: string } }>(io, { events: ['chat'], ... })`);
 * the other four are Socket.IO's and follow from `target`.
 *
 * @param target - the `Server` or a `Namespace` (e.g. `io.of('/chat')`).
 * @param options - the store, which events persist, authorization and hooks.
 * @throws RoomlogError `INVALID_ARGUMENT` for bad options.
 */
export function roomlog<
  Events extends EventDataMap = AnyEventData,
  ListenEvents extends EventsMap = DefaultEventsMap,
  EmitEvents extends EventsMap = DefaultEventsMap,
  ServerSideEvents extends EventsMap = DefaultEventsMap,
  SocketData = unknown,
>(
  target:
    | Server<ListenEvents, EmitEvents, ServerSideEvents, SocketData>
    | Namespace<ListenEvents, EmitEvents, ServerSideEvents, SocketData>,
  options: RoomlogOptions<Socket<ListenEvents, EmitEvents, ServerSideEvents, SocketData>, NoInfer<Events>>,
): Roomlog<ListenEvents, EmitEvents, ServerSideEvents, SocketData, Events> {
  type S = Socket<ListenEvents, EmitEvents, ServerSideEvents, SocketData>;
  const namespace = 'of' in target ? target.of('/') : target;
  // The event map is for the app's code only; inside, every event is handled alike.
  const resolved = resolveRoomlogOptions(options as unknown as RoomlogOptions<S>);
  // Every store call of the integration is measured and traced (a no-op without OpenTelemetry).
  const observed = instrumentStore(resolved.store);
  const ctx: RoomlogContext<S> = {
    // Roomlog's own events are not in the app's event maps; it emits through an untyped view.
    nsp: namespace as unknown as Namespace,
    namespace: namespace.name,
    options: { ...resolved, store: observed },
    batcher: new AppendBatcher(observed, resolved.batch),
    reads: new ReadCoalescer(observed),
    entrySizes: new EntrySizes(),
    healer: new Healer<S>(() => ctx, resolved.healIntervalMs),
    fairness: new Fairness(resolved.limits),
  };
  const unobserveQueue = observeQueue(ctx.batcher);
  const detachers = new Map<string, () => void>();
  const onConnection = (socket: S) => {
    detachers.set(socket.id, attach(ctx, socket));
    socket.once('disconnect', () => detachers.delete(socket.id));
  };
  namespace.on('connection', onConnection);
  for (const socket of namespace.sockets.values()) onConnection(socket);

  const stream = (room: string) => ({ namespace: ctx.namespace, room });
  let closing: Promise<void> | null = null;
  const handle = {
    namespace,
    store: resolved.store,
    async publish(message: PublishInput) {
      const { room, event, data, senderId, clientMessageId, ttlMs } = message;
      return toEnvelope(
        (await commit(ctx, null, { namespace: ctx.namespace, room, event, data, senderId, clientMessageId, ttlMs })).message,
      );
    },
    async deliver(messages: readonly StoredMessage[]) {
      const foreign = messages.find((message) => message.namespace !== ctx.namespace);
      if (foreign) {
        throw invalidArgument('socket', 'messages', `must belong to namespace ${ctx.namespace}, got one of ${foreign.namespace}`);
      }
      for (const message of messages) await broadcast(ctx, message);
    },
    history: (room: string, query: ReadQuery = {}) => readPage(ctx, null, stream(room), query),
    edit: async (room: string, seq: number, data: unknown, by?: string) =>
      toEnvelope(await changeMessage(ctx, stream(room), seq, { kind: 'edit', data }, by)),
    delete: async (room: string, seq: number, by?: string) =>
      toEnvelope(await changeMessage(ctx, stream(room), seq, { kind: 'delete' }, by)),
    markRead: (room: string, userId: string, seq: number) => markRead(ctx, stream(room), userId, seq),
    unreadCount: (room: string, userId: string) => unreadCount(ctx, stream(room), userId),
    heal: () => ctx.healer.tick(),
    close() {
      closing ??= (async () => {
        namespace.off('connection', onConnection);
        for (const detach of detachers.values()) detach();
        detachers.clear();
        await ctx.healer.close();
        await ctx.batcher.close();
        unobserveQueue();
      })();
      return closing;
    },
  };
  // The handle is written once, untyped; the event map only narrows what callers see.
  handle satisfies Record<keyof Roomlog, unknown>;
  return handle as unknown as Roomlog<ListenEvents, EmitEvents, ServerSideEvents, SocketData, Events>;
}
