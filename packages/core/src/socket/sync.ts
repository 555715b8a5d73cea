/**
 * `roomlog:sync`: a (re)connecting client sends its offset per room; for each room the socket's
 * membership is settled first (join before read), then the store is read after the offset.
 * An entry appended in between arrives live, in the replay, or both; the client drops the
 * repeat by seq. So nothing falls between replay and live, after a reconnect, a server restart
 * or a change of node alike.
 */
import { invalidArgument, toRoomlogError } from '../errors';
import type { ReadResult, StreamRef } from '../store';
import { recordSync } from '../telemetry';
import { describe, validateInteger } from '../validation';
import { clientRoom, settleMembership } from './authorize';
import type { RoomlogContext } from './context';
import { presentAll } from './deliver';
import { toEnvelope, toErrorPayload } from './envelope';
import type { RoomlogSocket } from './options';
import { type Ack, ROOMLOG_EVENTS, type RoomOffset, type SyncReason, type SyncRoomResult } from './protocol';
import { report } from './respond';

function parseOffset(offset: unknown): { after: number; epoch: string | null } {
  if (offset === null || typeof offset !== 'object') {
    throw invalidArgument('socket', 'offset', `must be { after?, epoch? }, got ${describe(offset)}`);
  }
  const { after, epoch } = offset as RoomOffset;
  if (epoch !== undefined && epoch !== null && typeof epoch !== 'string') {
    throw invalidArgument('socket', 'epoch', `must be a string or null, got ${describe(epoch)}`);
  }
  return { after: after === undefined ? 0 : validateInteger('socket', 'after', after, 0), epoch: epoch ?? null };
}

/**
 * Decides how one room continues. A client further behind than `replayLimit`, or whose epoch
 * is stale, gets the latest page instead of an unbounded replay (a second, equally bounded read).
 */
async function replay<S extends RoomlogSocket>(
  ctx: RoomlogContext<S>,
  stream: StreamRef,
  after: number,
  epoch: string | null,
): Promise<{ page: ReadResult; reason: SyncReason | undefined }> {
  const limit = ctx.options.replayLimit;
  const page = await ctx.reads.read(stream, { after, limit });
  const latest = () => ctx.reads.read(stream, { limit });
  if (page.head === null) {
    // Never written, or wiped: an offset the client holds belongs to a stream that is gone.
    return { page, reason: after > 0 || epoch !== null ? 'epoch-changed' : undefined };
  }
  if (epoch !== null && epoch !== page.head.epoch) return { page: await latest(), reason: 'epoch-changed' };
  if (page.hasMore) return { page: await latest(), reason: 'too-far-behind' };
  return { page, reason: page.truncated ? 'truncated' : undefined };
}

async function syncRoom<S extends RoomlogSocket>(ctx: RoomlogContext<S>, socket: S, room: string, offset: unknown): Promise<SyncRoomResult> {
  const name = clientRoom(room);
  const { after, epoch } = parseOffset(offset);
  await settleMembership(ctx, socket, name);
  const { page, reason } = await replay(ctx, { namespace: ctx.namespace, room: name }, after, epoch);
  recordSync(name, reason, page.messages.length);
  return {
    messages: await presentAll(ctx, socket, page.messages.map(toEnvelope)),
    head: page.head,
    recovered: reason === undefined,
    ...(reason === undefined ? {} : { reason }),
  };
}

/**
 * Handles one `roomlog:sync` request. Rooms are answered independently: a refused room fails
 * alone and the others still sync.
 */
export async function sync<S extends RoomlogSocket>(
  ctx: RoomlogContext<S>,
  socket: S,
  request: unknown,
): Promise<{ rooms: Record<string, Ack<SyncRoomResult>>; events?: readonly string[] }> {
  const rooms = (request as { rooms?: unknown } | null)?.rooms;
  if (rooms === null || typeof rooms !== 'object' || Array.isArray(rooms)) {
    throw invalidArgument('socket', 'rooms', `must be an object of room offsets, got ${describe(rooms)}`);
  }
  const entries = Object.entries(rooms);
  if (entries.length > ctx.options.maxSyncRooms) {
    throw invalidArgument('socket', 'rooms', `must name at most ${ctx.options.maxSyncRooms} rooms, got ${entries.length}`);
  }
  const answers = await Promise.all(
    entries.map(async ([room, offset]): Promise<[string, Ack<SyncRoomResult>]> => {
      try {
        return [room, { ok: true, ...(await syncRoom(ctx, socket, room, offset)) }];
      } catch (thrown) {
        const error = toRoomlogError(thrown, 'socket');
        report(ctx, error, { event: ROOMLOG_EVENTS.sync, socket });
        return [room, { ok: false, error: toErrorPayload(error) }];
      }
    }),
  );
  // fromEntries defines own properties, so a room named "__proto__" stays data.
  // The persisted event names let the client refuse a send the server would not store.
  const { eventNames } = ctx.options;
  return { rooms: Object.fromEntries(answers), ...(eventNames ? { events: eventNames } : {}) };
}
