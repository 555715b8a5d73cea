/**
 * The write path: a client's persisted event (or a server `publish`) is authorized, passed
 * through `beforePersist`, appended through the batcher, broadcast to the room, passed to
 * `afterPersist`, and only then acknowledged.
 */
import { toRoomlogError } from '../errors';
import type { AppendResult, NewMessage } from '../store';
import { assertAllowed } from './authorize';
import type { RoomlogContext } from './context';
import { assertBinaryCount } from './limits';
import { broadcast, present } from './deliver';
import type { RoomlogSocket } from './options';
import type { DroppedSend, PresentedSend, StoredSend } from './protocol';
import { report } from './report';
import { parseSendPayload } from './requests';

/**
 * Appends one message, broadcasts it and runs `afterPersist`. A duplicate (same
 * `clientMessageId`) is broadcast again: its first broadcast may never have happened if a node
 * died between storing and broadcasting, and Roomlog clients drop the repeat by seq.
 */
export async function commit<S extends RoomlogSocket>(
  ctx: RoomlogContext<S>,
  socket: S | null,
  message: NewMessage,
): Promise<AppendResult> {
  assertBinaryCount(ctx.options.limits, message.data);
  const result = await ctx.batcher.append(message);
  const { message: stored, duplicate } = result;
  const broadcasting = broadcast(ctx, stored);
  if (broadcasting) await broadcasting;
  const afterPersist = ctx.options.hooks.afterPersist;
  if (afterPersist) {
    try {
      await afterPersist(socket, stored, { duplicate });
    } catch (error) {
      report(ctx, toRoomlogError(error, 'socket'), { event: 'afterPersist', socket: socket ?? undefined });
    }
  }
  return result;
}

/**
 * Handles one persisted client event.
 * @returns the ack body: what the sender lacks of the stored entry ({@link StoredSend}), the
 *   entry as this socket may see it when `beforeDeliver` is set ({@link PresentedSend}), or
 *   {@link DroppedSend} when `beforePersist` dropped it.
 */
export async function persistClientMessage<S extends RoomlogSocket>(
  ctx: RoomlogContext<S>,
  socket: S,
  event: string,
  payload: unknown,
): Promise<StoredSend | DroppedSend | PresentedSend> {
  const { room, data, clientMessageId } = parseSendPayload(payload);
  const authorizing = assertAllowed(ctx, socket, 'write', room);
  if (authorizing) await authorizing;
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
    if (message === null) return { dropped: true };
    // The hook may rewrite the message but not where it goes: that was authorized above.
    message = { ...message, namespace: ctx.namespace, room };
  }
  const { message: stored, duplicate } = await commit(ctx, socket, message);
  if (ctx.options.hooks.beforeDeliver) {
    const entry = await present(ctx, socket, stored);
    return duplicate ? { entry, duplicate } : { entry };
  }
  const ack: StoredSend = { seq: stored.seq, id: stored.id, epoch: stored.epoch, createdAt: stored.createdAt };
  if (duplicate) ack.duplicate = true;
  if (stored.senderId !== null) ack.senderId = stored.senderId;
  // By identity: the store hands back the very value it was given when decoding its stored
  // text would give an equal one (see `PreparedMessage.value`), so an unchanged message costs
  // no payload on the way back. A changed or decoded value is sent: the sender cannot know it.
  if (stored.event !== event) ack.event = stored.event;
  if (stored.data !== data) ack.data = stored.data;
  return ack;
}
