/**
 * Getting entries to sockets: the room broadcast for live entries, and `beforeDeliver` applied
 * per recipient everywhere an entry leaves the server (live, replay, history, acks). Entries
 * leave in their compact wire form (`toCompact`).
 */
import { toRoomlogError } from '../errors';
import type { RoomlogContext } from './context';
import { toCompact, toEnvelope, toWire } from './envelope';
import type { Recipient, RoomlogSocket } from './options';
import { report } from './report';
import { type DeliveredEntry, type MessageEnvelope, ROOMLOG_EVENTS, type WireEntry } from './protocol';

/**
 * The entry as `beforeDeliver` lets `recipient` see it, in full. An entry the hook withholds,
 * or that the hook fails on (fail closed; the error goes to `onError`), is reduced to its seq.
 */
async function shownTo<S extends RoomlogSocket>(
  ctx: RoomlogContext<S>,
  hook: NonNullable<RoomlogContext<S>['options']['hooks']['beforeDeliver']>,
  recipient: Recipient<S['data']>,
  envelope: MessageEnvelope,
): Promise<DeliveredEntry> {
  try {
    // A copy: the hook may change what it is given, and must never see store-internal fields.
    const shown = await hook(recipient, toEnvelope(envelope));
    if (shown) return shown;
  } catch (error) {
    report(ctx, toRoomlogError(error, 'socket'), { event: 'beforeDeliver', socket: recipient });
  }
  return { room: envelope.room, seq: envelope.seq, epoch: envelope.epoch, withheld: true };
}

/**
 * The entry as `recipient` may see it (see `beforeDeliver`), in wire form. A stored message
 * may be passed as it is: only envelope fields leave.
 */
export async function present<S extends RoomlogSocket>(
  ctx: RoomlogContext<S>,
  recipient: Recipient<S['data']>,
  envelope: MessageEnvelope,
): Promise<WireEntry> {
  const hook = ctx.options.hooks.beforeDeliver;
  return hook ? toWire(await shownTo(ctx, hook, recipient, envelope)) : toCompact(envelope);
}

/** {@link present} for a page of entries, keeping their order. */
export function presentAll<S extends RoomlogSocket>(
  ctx: RoomlogContext<S>,
  recipient: Recipient<S['data']>,
  envelopes: readonly MessageEnvelope[],
): Promise<WireEntry[]> {
  if (!ctx.options.hooks.beforeDeliver) return Promise.resolve(envelopes.map(toCompact));
  return Promise.all(envelopes.map((envelope) => present(ctx, recipient, envelope)));
}

/**
 * What `legacyDelivery` emits for an entry under its own event name, or `undefined` for
 * nothing: only `message` entries have a meaning for clients that know no log entries.
 */
function legacyPayload<S extends RoomlogSocket>(ctx: RoomlogContext<S>, envelope: MessageEnvelope): unknown {
  const map = ctx.options.legacyPayload;
  // A copy: what reaches app code is an envelope, never a stored message's internal fields.
  return map && envelope.kind === 'message' ? map(toEnvelope(envelope)) : undefined;
}

/**
 * Sends a stored entry to every socket in its room, on every node, through the installed
 * adapter. Without `beforeDeliver` that is one room broadcast; with it, the room's sockets are
 * fetched (across nodes) and each gets its own view.
 * @returns nothing for the plain broadcast (done when this returns), a promise with the hook.
 *
 * Never throws or rejects: the entry is already durable, so a failed broadcast (an adapter timing out)
 * must not fail the sender's ack. It goes to `onError`; clients get the entry by gap filling
 * or their next sync.
 */
export function broadcast<S extends RoomlogSocket>(ctx: RoomlogContext<S>, envelope: MessageEnvelope): Promise<void> | undefined {
  // Local members get the entry with this broadcast whatever the adapter does.
  ctx.healer.sent(envelope.room, envelope.seq, envelope.epoch);
  const hook = ctx.options.hooks.beforeDeliver;
  if (hook) return broadcastShown(ctx, hook, envelope);
  // Without the hook it is one synchronous room emit: no promise for every message.
  try {
    ctx.nsp.to(envelope.room).emit(ROOMLOG_EVENTS.message, toCompact(envelope));
    const legacy = legacyPayload(ctx, envelope);
    if (legacy !== undefined) ctx.nsp.to(envelope.room).emit(envelope.event, legacy);
  } catch (error) {
    broadcastFailed(ctx, error);
  }
  return undefined;
}

function broadcastFailed<S extends RoomlogSocket>(ctx: RoomlogContext<S>, error: unknown): void {
  report(
    ctx,
    toRoomlogError(error, 'socket', () => 'UNAVAILABLE'),
    { event: 'broadcast' },
  );
}

/** {@link broadcast} with `beforeDeliver`: each of the room's sockets (on every node) gets its own view. */
async function broadcastShown<S extends RoomlogSocket>(
  ctx: RoomlogContext<S>,
  hook: NonNullable<RoomlogContext<S>['options']['hooks']['beforeDeliver']>,
  envelope: MessageEnvelope,
): Promise<void> {
  try {
    const legacy = legacyPayload(ctx, envelope);
    const sockets = await ctx.nsp.in(envelope.room).fetchSockets();
    await Promise.all(
      sockets.map(async (socket) => {
        const shown = await shownTo(ctx, hook, socket as Recipient<S['data']>, envelope);
        socket.emit(ROOMLOG_EVENTS.message, toWire(shown));
        if (legacy === undefined || 'withheld' in shown) return;
        const payload = legacyPayload(ctx, shown);
        if (payload !== undefined) socket.emit(shown.event, payload);
      }),
    );
  } catch (error) {
    broadcastFailed(ctx, error);
  }
}
