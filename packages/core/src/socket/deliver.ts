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
 * What `legacyDelivery` emits for an entry under its own event name, or `undefined` for
 * nothing: only `message` entries have a meaning for clients that know no log entries.
 */
function legacyPayload<S extends RoomlogSocket>(ctx: RoomlogContext<S>, envelope: MessageEnvelope): unknown {
  const map = ctx.options.legacyPayload;
  return map && envelope.kind === 'message' ? map(envelope) : undefined;
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
  // Local members get the entry with this broadcast whatever the adapter does.
  ctx.healer.sent(envelope.room, envelope.seq, envelope.epoch);
  try {
    const legacy = legacyPayload(ctx, envelope);
    if (!ctx.options.hooks.beforeDeliver) {
      ctx.nsp.to(envelope.room).emit(ROOMLOG_EVENTS.message, envelope);
      if (legacy !== undefined) ctx.nsp.to(envelope.room).emit(envelope.event, legacy);
      return;
    }
    const sockets = await ctx.nsp.in(envelope.room).fetchSockets();
    await Promise.all(
      sockets.map(async (socket) => {
        const shown = await present(ctx, socket as Recipient<S['data']>, envelope);
        socket.emit(ROOMLOG_EVENTS.message, shown);
        if (legacy === undefined || 'withheld' in shown) return;
        const payload = legacyPayload(ctx, shown);
        if (payload !== undefined) socket.emit(shown.event, payload);
      }),
    );
  } catch (error) {
    report(ctx, toRoomlogError(error, 'socket', () => 'UNAVAILABLE'), { event: 'broadcast' });
  }
}
