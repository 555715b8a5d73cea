/**
 * Edits, deletes and read markers, from the server handle and from clients. An edit or delete
 * is broadcast as its log entry (kind `edit`/`delete`, `target`), exactly as a syncing client
 * later reads it, so live and replayed changes look the same.
 */
import { RoomlogError, invalidArgument } from '../errors';
import type { MessageStore, StoredMessage, StreamRef } from '../store';
import { MAX_READ_LIMIT, describe, validateSeq } from '../validation';
import { assertAllowed, clientRoom } from './authorize';
import type { RoomlogContext } from './context';
import { broadcast, present } from './deliver';
import type { RoomlogSocket } from './options';
import { ROOMLOG_EVENTS, type ReadReceipt, type WireEntry } from './protocol';

const BACKEND = 'socket';

function unsupported(feature: string): RoomlogError {
  return new RoomlogError('UNSUPPORTED', `the store does not support ${feature}`, {
    backend: BACKEND,
    cause: new Error(`capability missing: ${feature}`),
  });
}

/** The store's edit/delete methods. @throws RoomlogError `UNSUPPORTED` without the `editDelete` capability. */
function editing(store: MessageStore): Required<Pick<MessageStore, 'edit' | 'delete'>> {
  if (!store.capabilities.editDelete || !store.edit || !store.delete) throw unsupported('edits and deletes');
  return { edit: store.edit.bind(store), delete: store.delete.bind(store) };
}

/** A change to one message. */
export type Change = { kind: 'edit'; data: unknown } | { kind: 'delete' };

/**
 * Edits or deletes message `seq` and broadcasts the log entry.
 * @returns the changed message (as the store returns it).
 */
export async function changeMessage<S extends RoomlogSocket>(
  ctx: RoomlogContext<S>,
  stream: StreamRef,
  seq: number,
  change: Change,
  by: string | undefined,
): Promise<StoredMessage> {
  const { store } = ctx.options;
  const methods = editing(store);
  const headBefore = (await store.head(stream))?.seq ?? 0;
  const changed =
    change.kind === 'edit' ? await methods.edit(stream, seq, change.data, by) : await methods.delete(stream, seq, by);
  // The contract returns the changed target, not the log entry clients need: find it among the
  // entries appended since. Concurrent changes of the same target both show up here and are
  // broadcast twice at worst (clients drop repeats by seq); one lost to over 1000 appends in
  // between reaches clients through their gap filling instead.
  const since = await store.read(stream, { after: headBefore, limit: MAX_READ_LIMIT });
  for (const entry of since.messages) {
    if (entry.kind === change.kind && entry.target === seq) await broadcast(ctx, entry);
  }
  return changed;
}

function parseSeqRequest(request: unknown): { room: string; seq: number; data: unknown } {
  if (request === null || typeof request !== 'object') {
    throw invalidArgument(BACKEND, 'request', `must be { room, seq }, got ${describe(request)}`);
  }
  const { room, seq, data } = request as Record<string, unknown>;
  return { room: clientRoom(room), seq: validateSeq(BACKEND, seq), data };
}

/**
 * The refusal of a change to someone else's message. Only a member with `write` in the room
 * gets this far, so naming the reason leaks nothing the room's history does not show.
 */
function notOwner(room: string, seq: number): RoomlogError {
  return new RoomlogError('NOT_OWNER', `message ${seq} in room ${JSON.stringify(room)} was sent by another user; only its sender may change it`, {
    backend: BACKEND,
    cause: new Error('senderId differs from the socket user'),
  });
}

function userOf<S extends RoomlogSocket>(ctx: RoomlogContext<S>, socket: S): string {
  const userId = ctx.options.userId(socket);
  if (userId === undefined) throw invalidArgument(BACKEND, 'userId', 'is not known for this socket: set socket.data.userId in an io.use() middleware, or pass the userId option');
  return userId;
}

/**
 * Handles `roomlog:edit` / `roomlog:delete`: the socket needs `write` in the room and may change
 * only its own user's messages.
 */
export async function changeOwnMessage<S extends RoomlogSocket>(
  ctx: RoomlogContext<S>,
  socket: S,
  kind: Change['kind'],
  request: unknown,
): Promise<{ message: WireEntry }> {
  const { room, seq, data } = parseSeqRequest(request);
  await assertAllowed(ctx, socket, 'write', room);
  editing(ctx.options.store);
  const userId = userOf(ctx, socket);
  const stream = { namespace: ctx.namespace, room };
  const [target] = (await ctx.options.store.read(stream, { after: seq - 1, limit: 1 })).messages;
  // Missing or gone: let the store answer NOT_FOUND in its own words.
  if (target?.seq === seq && target.kind === 'message' && target.deletedAt === null && target.senderId !== userId) {
    throw notOwner(room, seq);
  }
  const changed = await changeMessage(ctx, stream, seq, kind === 'edit' ? { kind, data } : { kind }, userId);
  return { message: await present(ctx, socket, changed) };
}

/**
 * Moves `userId`'s read marker in a room forward and tells the room (read receipts).
 * @returns the marker after the call.
 */
export async function markRead<S extends RoomlogSocket>(ctx: RoomlogContext<S>, stream: StreamRef, userId: string, seq: number): Promise<number> {
  const { store } = ctx.options;
  if (!store.capabilities.cursors || !store.setCursor) throw unsupported('read markers');
  const marker = await store.setCursor(stream, userId, seq);
  const receipt: ReadReceipt = { room: stream.room, userId, seq: marker };
  ctx.nsp.to(stream.room).emit(ROOMLOG_EVENTS.receipt, receipt);
  return marker;
}

/** Live messages after `userId`'s marker that the user did not send. */
export async function unreadCount<S extends RoomlogSocket>(ctx: RoomlogContext<S>, stream: StreamRef, userId: string): Promise<number> {
  const { store } = ctx.options;
  if (!store.capabilities.cursors || !store.unreadCount) throw unsupported('read markers');
  return store.unreadCount(stream, userId);
}

/** Handles `roomlog:mark-read`: `read` in the room, for the socket's own user. */
export async function markReadFromClient<S extends RoomlogSocket>(ctx: RoomlogContext<S>, socket: S, request: unknown): Promise<{ seq: number }> {
  const { room, seq } = parseSeqRequest(request);
  await assertAllowed(ctx, socket, 'read', room);
  return { seq: await markRead(ctx, { namespace: ctx.namespace, room }, userOf(ctx, socket), seq) };
}

/** Handles `roomlog:unread`: `read` in the room, for the socket's own user. */
export async function unreadFromClient<S extends RoomlogSocket>(ctx: RoomlogContext<S>, socket: S, request: unknown): Promise<{ count: number }> {
  const room = clientRoom((request as { room?: unknown } | null)?.room);
  await assertAllowed(ctx, socket, 'read', room);
  return { count: await unreadCount(ctx, { namespace: ctx.namespace, room }, userOf(ctx, socket)) };
}
