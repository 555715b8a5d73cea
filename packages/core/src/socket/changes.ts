/**
 * Edits and deletes, from the server handle and from clients. An edit or delete
 * is broadcast as its log entry (kind `edit`/`delete`, `target`), exactly as a syncing client
 * later reads it, so live and replayed changes look the same.
 */
import { RoomlogError, unsupported } from '../errors';
import type { MessageStore, StoredMessage, StreamRef } from '../store';
import { MAX_READ_LIMIT } from '../validation';
import { assertAllowed } from './authorize';
import type { RoomlogContext } from './context';
import { assertBinaryCount } from './limits';
import { broadcast, present } from './deliver';
import type { RoomlogSocket } from './options';
import type { WireEntry } from './protocol';
import { parseSeqRequest, socketUser } from './requests';

const BACKEND = 'socket';

/** The store's edit/delete methods. @throws RoomlogError `UNSUPPORTED` without the `editDelete` capability. */
function editing(store: MessageStore): Required<Pick<MessageStore, 'edit' | 'delete'>> {
  if (!store.capabilities.editDelete || !store.edit || !store.delete) throw unsupported(BACKEND, 'edits and deletes');
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
  if (change.kind === 'edit') assertBinaryCount(ctx.options.limits, change.data);
  const headBefore = (await store.head(stream))?.seq ?? 0;
  const changed = change.kind === 'edit' ? await methods.edit(stream, seq, change.data, by) : await methods.delete(stream, seq, by);
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

/**
 * The refusal of a change to someone else's message. Only a member with `write` in the room
 * gets this far, so naming the reason leaks nothing the room's history does not show.
 */
function notOwner(room: string, seq: number): RoomlogError {
  return new RoomlogError(
    'NOT_OWNER',
    `message ${seq} in room ${JSON.stringify(room)} was sent by another user; only its sender may change it`,
    {
      backend: BACKEND,
      cause: new Error('senderId differs from the socket user'),
    },
  );
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
  const userId = socketUser(ctx, socket);
  const stream = { namespace: ctx.namespace, room };
  const [target] = (await ctx.options.store.read(stream, { after: seq - 1, limit: 1 })).messages;
  // Missing or gone: let the store answer NOT_FOUND in its own words.
  if (target?.seq === seq && target.kind === 'message' && target.deletedAt === null && target.senderId !== userId) {
    throw notOwner(room, seq);
  }
  const changed = await changeMessage(ctx, stream, seq, kind === 'edit' ? { kind, data } : { kind }, userId);
  return { message: await present(ctx, socket, changed) };
}
