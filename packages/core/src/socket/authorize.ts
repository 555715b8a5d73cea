/**
 * Access checks. Every Roomlog event that touches a room goes through {@link assertAllowed}
 * before the store is consulted, so a refusal is the same whether the room exists or not.
 */
import { RoomlogError, toRoomlogError } from '../errors';
import { MAX_NAME_BYTES, validateText } from '../validation';
import type { RoomlogContext } from './context';
import type { AuthorizeAction, AuthorizeRequest, RoomlogSocket } from './options';

const BACKEND = 'socket';

/**
 * Plain Socket.IO semantics: the server decides membership; a socket uses the rooms it is in,
 * except the private room named after its own id, which is not a place to store messages.
 */
export function defaultAuthorize(socket: RoomlogSocket, request: AuthorizeRequest): boolean {
  return request.action !== 'join' && request.room !== socket.id && socket.rooms.has(request.room);
}

/** The refusal every unauthorized request gets, identical whether the room exists or not. */
export function forbidden(room: string): RoomlogError {
  return new RoomlogError('FORBIDDEN', `not allowed in room ${JSON.stringify(room)}`, {
    backend: BACKEND,
    cause: new Error('authorize refused'),
  });
}

/** Validates a room name sent by a client. @throws RoomlogError `INVALID_ARGUMENT` */
export function clientRoom(room: unknown): string {
  return validateText(BACKEND, 'room', room, MAX_NAME_BYTES);
}

/**
 * Asks `authorize` and throws `FORBIDDEN` unless it answered exactly `true`.
 * An `authorize` that throws refuses too (fail closed), reported as `INTERNAL`.
 * @returns nothing when `authorize` answered synchronously (no promise hop on every message),
 *   else a promise of the same check. Call it where a synchronous throw becomes a rejection.
 */
export function assertAllowed<S extends RoomlogSocket>(
  ctx: RoomlogContext<S>,
  socket: S,
  action: AuthorizeAction,
  room: string,
): Promise<void> | undefined {
  let answer: boolean | PromiseLike<boolean>;
  try {
    answer = ctx.options.authorize(socket, { action, namespace: ctx.namespace, room });
  } catch (error) {
    throw toRoomlogError(error, BACKEND);
  }
  if (answer !== null && typeof answer === 'object' && typeof answer.then === 'function') return allowedLater(answer, room);
  if (answer !== true) throw forbidden(room);
  return undefined;
}

async function allowedLater(answer: PromiseLike<boolean>, room: string): Promise<void> {
  let allowed: boolean;
  try {
    allowed = (await answer) === true;
  } catch (error) {
    throw toRoomlogError(error, BACKEND);
  }
  if (!allowed) throw forbidden(room);
}

/**
 * Makes sure the socket is in `room` before anything is read, joining it if `authorize` allows
 * `join` and the socket is in fewer than `limits.maxRoomsPerSocket` rooms; a member needs `read`. Joining first is what closes the gap between replay and live.
 */
export async function settleMembership<S extends RoomlogSocket>(ctx: RoomlogContext<S>, socket: S, room: string): Promise<void> {
  if (socket.rooms.has(room)) return assertAllowed(ctx, socket, 'read', room);
  await assertAllowed(ctx, socket, 'join', room);
  const { maxRoomsPerSocket } = ctx.options.limits;
  if (socket.rooms.size >= maxRoomsPerSocket) {
    // Decided before any store access, like every refusal: it says nothing about the room.
    throw new RoomlogError('FORBIDDEN', `this socket is in ${socket.rooms.size} rooms; it may join no more (limits.maxRoomsPerSocket)`, {
      backend: BACKEND,
      cause: new Error('maxRoomsPerSocket reached'),
    });
  }
  await socket.join(room);
}
