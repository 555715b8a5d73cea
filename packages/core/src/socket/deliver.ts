/**
 * Getting entries to sockets: the room broadcast for live entries, and `beforeDeliver` applied
 * per recipient everywhere an entry leaves the server (live, replay, history, acks).
 */
import { toRoomlogError } from '../errors';
import type { RoomlogContext } from './context';
import type { Recipient, RoomlogSocket } from './options';
import { report } from './respond';
import { type DeliveredEntry, type MessageEnvelope, ROOMLOG_EVENTS } from './protocol';

/**
 * The entry as `recipient` may see it. An entry the hook withholds, or that the hook fails on
 * (fail closed; the error goes to `onError`), is reduced to its seq.
 */
export async function present<S extends RoomlogSocket>(
  ctx: RoomlogContext<S>,
  recipient: Recipient<S['data']>,
  envelope: MessageEnvelope,
): Promise<DeliveredEntry> {
  const hook = ctx.options.hooks.beforeDeliver;
  if (!hook) return envelope;
  try {
    const shown = await hook(recipient, envelope);
    if (shown) return shown;
  } catch (error) {
    report(ctx, toRoomlogError(error, 'socket'), { event: 'beforeDeliver', socket: recipient });
  }
  return { room: envelope.room, seq: envelope.seq, epoch: envelope.epoch, withheld: true };
}

/** {@link present} for a page of entries, keeping their order. */
export function presentAll<S extends RoomlogSocket>(
  ctx: RoomlogContext<S>,
  recipient: Recipient<S['data']>,
  envelopes: readonly MessageEnvelope[],
): Promise<DeliveredEntry[]> {
  return Promise.all(envelopes.map((envelope) => present(ctx, recipient, envelope)));
}

/**
 * Sends a stored entry to every socket in its room, on every node, through the installed
 * adapter. Without `beforeDeliver` that is one room broadcast; with it, the room's sockets are
 * fetched (across nodes) and each gets its own view.
 *
 * Never throws: the entry is already durable, so a failed broadcast (an adapter timing out)
 * must not fail the sender's ack. It goes to `onError`; clients get the entry by gap filling
 * or their next sync.
 */
export async function broadcast<S extends RoomlogSocket>(ctx: RoomlogContext<S>, envelope: MessageEnvelope): Promise<void> {
  try {
    if (!ctx.options.hooks.beforeDeliver) {
      ctx.nsp.to(envelope.room).emit(ROOMLOG_EVENTS.message, envelope);
      return;
    }
    const sockets = await ctx.nsp.in(envelope.room).fetchSockets();
    await Promise.all(
      sockets.map(async (socket) => {
        socket.emit(ROOMLOG_EVENTS.message, await present(ctx, socket as Recipient<S['data']>, envelope));
      }),
    );
  } catch (error) {
    report(ctx, toRoomlogError(error, 'socket', () => 'UNAVAILABLE'), { event: 'broadcast' });
  }
}
