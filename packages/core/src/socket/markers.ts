/**
 * Read markers and unread counts, from the server handle and from clients. Moving a marker
 * tells the room (a read receipt), so other members can show who has read what.
 */
import { unsupported } from '../errors';
import type { StreamRef } from '../store';
import { assertAllowed } from './authorize';
import type { RoomlogContext } from './context';
import type { RoomlogSocket } from './options';
import { ROOMLOG_EVENTS, type ReadReceipt } from './protocol';
import { parseRoomRequest, parseSeqRequest, socketUser } from './requests';

/**
 * Moves `userId`'s read marker in a room forward and tells the room (read receipts).
 * @returns the marker after the call.
 */
export async function markRead<S extends RoomlogSocket>(ctx: RoomlogContext<S>, stream: StreamRef, userId: string, seq: number): Promise<number> {
  const { store } = ctx.options;
  if (!store.capabilities.cursors || !store.setCursor) throw unsupported('socket', 'read markers');
  const marker = await store.setCursor(stream, userId, seq);
  const receipt: ReadReceipt = { room: stream.room, userId, seq: marker };
  ctx.nsp.to(stream.room).emit(ROOMLOG_EVENTS.receipt, receipt);
  return marker;
}

/** Live messages after `userId`'s marker that the user did not send. */
export async function unreadCount<S extends RoomlogSocket>(ctx: RoomlogContext<S>, stream: StreamRef, userId: string): Promise<number> {
  const { store } = ctx.options;
  if (!store.capabilities.cursors || !store.unreadCount) throw unsupported('socket', 'read markers');
  return store.unreadCount(stream, userId);
}

/** Handles `roomlog:mark-read`: `read` in the room, for the socket's own user. */
export async function markReadFromClient<S extends RoomlogSocket>(ctx: RoomlogContext<S>, socket: S, request: unknown): Promise<{ seq: number }> {
  const { room, seq } = parseSeqRequest(request);
  await assertAllowed(ctx, socket, 'read', room);
  return { seq: await markRead(ctx, { namespace: ctx.namespace, room }, socketUser(ctx, socket), seq) };
}

/** Handles `roomlog:unread`: `read` in the room, for the socket's own user. */
export async function unreadFromClient<S extends RoomlogSocket>(ctx: RoomlogContext<S>, socket: S, request: unknown): Promise<{ count: number }> {
  const { room } = parseRoomRequest(request);
  await assertAllowed(ctx, socket, 'read', room);
  return { count: await unreadCount(ctx, { namespace: ctx.namespace, room }, socketUser(ctx, socket)) };
}
