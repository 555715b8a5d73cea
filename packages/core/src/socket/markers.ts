/**
 * Read markers and unread counts, from the server handle and from clients. Moving a marker
 * tells the room (a read receipt), so other members can show who has read what; a marker that
 * does not move costs no write and no receipt (a client repeating it amplifies nothing), and an
 * unread count is bounded work.
 */
import { toRoomlogError, unsupported } from '../errors';
import type { StreamRef } from '../store';
import { UNREAD_SCAN_LIMIT } from '../validation';
import { assertAllowed } from './authorize';
import type { RoomlogContext } from './context';
import type { RoomlogSocket } from './options';
import { ROOMLOG_EVENTS, type ReadReceipt } from './protocol';
import { report } from './report';
import { parseRoomRequest, parseSeqRequest, socketUser } from './requests';

/**
 * Moves `userId`'s read marker in a room forward and tells the room (read receipts). A marker
 * that would not move writes nothing and tells nobody: repeating a mark-read costs one read.
 * @returns the marker after the call.
 */
export async function markRead<S extends RoomlogSocket>(
  ctx: RoomlogContext<S>,
  stream: StreamRef,
  userId: string,
  seq: number,
): Promise<number> {
  const { store } = ctx.options;
  if (!store.capabilities.cursors || !store.setCursor) throw unsupported('socket', 'read markers');
  const current = store.getCursor ? await store.getCursor(stream, userId) : null;
  if (current !== null && seq <= current) return current;
  const marker = await store.setCursor(stream, userId, seq);
  if (current !== null && marker <= current) return marker;
  const receipt: ReadReceipt = { room: stream.room, userId, seq: marker };
  try {
    ctx.nsp.to(stream.room).emit(ROOMLOG_EVENTS.receipt, receipt);
  } catch (error) {
    // The marker moved; a receipt that could not be sent must not fail the call.
    report(
      ctx,
      toRoomlogError(error, 'socket', () => 'UNAVAILABLE'),
      { event: 'receipt' },
    );
  }
  return marker;
}

/**
 * Live messages after `userId`'s marker that the user did not send, among the first
 * {@link UNREAD_SCAN_LIMIT} entries after it (the store's bounded count).
 */
export async function unreadCount<S extends RoomlogSocket>(ctx: RoomlogContext<S>, stream: StreamRef, userId: string): Promise<number> {
  const { store } = ctx.options;
  if (!store.capabilities.cursors || !store.unreadCount) throw unsupported('socket', 'read markers');
  return store.unreadCount(stream, userId);
}

/** {@link unreadCount}, and whether more entries follow the ones it looked at. */
async function unreadWithCap<S extends RoomlogSocket>(
  ctx: RoomlogContext<S>,
  stream: StreamRef,
  userId: string,
): Promise<{ count: number; capped?: true }> {
  const { store } = ctx.options;
  const [count, head, cursor] = await Promise.all([
    unreadCount(ctx, stream, userId),
    store.head(stream),
    store.getCursor ? store.getCursor(stream, userId) : Promise.resolve(0),
  ]);
  const from = head ? Math.max(cursor, head.firstSeq - 1) : 0;
  return head && head.seq - from > UNREAD_SCAN_LIMIT ? { count, capped: true } : { count };
}

/** Handles `roomlog:mark-read`: `read` in the room, for the socket's own user. */
export async function markReadFromClient<S extends RoomlogSocket>(
  ctx: RoomlogContext<S>,
  socket: S,
  request: unknown,
): Promise<{ seq: number }> {
  const { room, seq } = parseSeqRequest(request);
  await assertAllowed(ctx, socket, 'read', room);
  return { seq: await markRead(ctx, { namespace: ctx.namespace, room }, socketUser(ctx, socket), seq) };
}

/** Handles `roomlog:unread`: `read` in the room, for the socket's own user. */
export async function unreadFromClient<S extends RoomlogSocket>(
  ctx: RoomlogContext<S>,
  socket: S,
  request: unknown,
): Promise<{ count: number; capped?: true }> {
  const { room } = parseRoomRequest(request);
  await assertAllowed(ctx, socket, 'read', room);
  return unreadWithCap(ctx, { namespace: ctx.namespace, room }, socketUser(ctx, socket));
}
