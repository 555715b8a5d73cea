/**
 * The write path: a client's persisted event (or a server `publish`) is authorized, passed
 * through `beforePersist`, appended through the batcher, broadcast to the room, passed to
 * `afterPersist`, and only then acknowledged.
 */
import { invalidArgument, toRoomlogError } from '../errors';
import type { NewMessage } from '../store';
import { describe } from '../validation';
import { assertAllowed, clientRoom } from './authorize';
import type { RoomlogContext } from './context';
import { broadcast, present } from './deliver';
import { toEnvelope } from './envelope';
import type { RoomlogSocket } from './options';
import type { DeliveredEntry, MessageEnvelope } from './protocol';
import { report } from './respond';

/** The outcome of storing one message. */
export interface Committed {
  envelope: MessageEnvelope;
  duplicate: boolean;
}

/**
 * Appends one message, broadcasts it and runs `afterPersist`. A duplicate (same
 * `clientMessageId`) is broadcast again: its first broadcast may never have happened if a node
 * died between storing and broadcasting, and Roomlog clients drop the repeat by seq.
 */
export async function commit<S extends RoomlogSocket>(
  ctx: RoomlogContext<S>,
  socket: S | null,
  message: NewMessage,
): Promise<Committed> {
  const { message: stored, duplicate } = await ctx.batcher.append(message);
  const envelope = toEnvelope(stored);
  await broadcast(ctx, envelope);
  const afterPersist = ctx.options.hooks.afterPersist;
  if (afterPersist) {
    try {
      await afterPersist(socket, stored, { duplicate });
    } catch (error) {
      report(ctx, toRoomlogError(error, 'socket'), { event: 'afterPersist', socket: socket ?? undefined });
    }
  }
  return { envelope, duplicate };
}

interface SendInput {
  room: string;
  data: unknown;
  clientMessageId: string | undefined;
}

function parseSendPayload(payload: unknown): SendInput {
  if (payload === null || typeof payload !== 'object' || Array.isArray(payload)) {
    throw invalidArgument('socket', 'payload', `must be { room, data, clientMessageId? }, got ${describe(payload)}`);
  }
  const { room, data, clientMessageId } = payload as Record<string, unknown>;
  if (clientMessageId !== undefined && typeof clientMessageId !== 'string') {
    throw invalidArgument('socket', 'clientMessageId', `must be a string, got ${describe(clientMessageId)}`);
  }
  return { room: clientRoom(room), data, clientMessageId };
}

/**
 * Handles one persisted client event.
 * @returns the ack body: the stored entry as this socket may see it, or `null` when `beforePersist` dropped it.
 */
export async function persistClientMessage<S extends RoomlogSocket>(
  ctx: RoomlogContext<S>,
  socket: S,
  event: string,
  payload: unknown,
): Promise<{ message: DeliveredEntry | null; duplicate: boolean }> {
  const { room, data, clientMessageId } = parseSendPayload(payload);
  await assertAllowed(ctx, socket, 'write', room);
  let message: NewMessage | null = {
    namespace: ctx.namespace,
    room,
    event,
    data,
    senderId: ctx.options.userId(socket),
    clientMessageId,
  };
  const beforePersist = ctx.options.hooks.beforePersist;
  if (beforePersist) {
    message = await beforePersist(socket, message);
    if (message === null) return { message: null, duplicate: false };
    // The hook may rewrite the message but not where it goes: that was authorized above.
    message = { ...message, namespace: ctx.namespace, room };
  }
  const { envelope, duplicate } = await commit(ctx, socket, message);
  return { message: await present(ctx, socket, envelope), duplicate };
}
