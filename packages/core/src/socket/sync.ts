/**
 * `roomlog:sync`: a (re)connecting client sends its offset per room; for each room the socket's
 * membership is settled first (join before read), then the store is read after the offset.
 * An entry appended in between arrives live, in the replay, or both; the client drops the
 * repeat by seq. So nothing falls between replay and live, after a reconnect, a server restart
 * or a change of node alike.
 *
 * A returning client also says which entry it holds at its seq (`id`): the server checks the
 * log still holds that entry there, and answers `rewound` when it does not, so a client is
 * never left skipping new entries as repeats of lost ones. A first visit (`from`) starts where
 * the client asked, without a reset.
 */
import { busy, invalidArgument, toRoomlogError } from '../errors';
import type { StoredMessage, StreamHead, StreamRef } from '../store';
import { recordSync } from '../telemetry';
import { MAX_READ_LIMIT, describeValue } from '../validation';
import { clientRoom, settleMembership } from './authorize';
import { PacketBudget, fitPage } from './budget';
import type { RoomlogContext } from './context';
import { presentAll } from './deliver';
import { toErrorPayload } from './envelope';
import type { RoomlogSocket } from './options';
import { type Ack, ROOMLOG_EVENTS, type SyncFrom, type SyncReason, type SyncRoomResult } from './protocol';
import { report } from './report';
import { parseOffset } from './requests';

interface Replay {
  messages: StoredMessage[];
  head: StreamHead | null;
  reason: SyncReason | undefined;
  hasMore: boolean;
}

/**
 * A first visit: the latest page (a chat opens at the bottom), or from the start or a seq, page
 * by page (`hasMore`). It is where the client asked to start, so it never counts as a reset.
 */
async function firstVisit<S extends RoomlogSocket>(ctx: RoomlogContext<S>, stream: StreamRef, from: SyncFrom): Promise<Replay> {
  const limit = ctx.options.replayLimit;
  const page = await ctx.reads.read(stream, from === 'latest' ? { limit } : { after: from === 'start' ? 0 : from, limit });
  return { messages: page.messages, head: page.head, reason: undefined, hasMore: from !== 'latest' && page.hasMore };
}

/**
 * Decides how a returning client continues. The read starts one entry early, at the client's
 * seq, so the same read tells whether the log still holds the entry the client holds there
 * (continuity). A client further behind than `replayLimit`, whose epoch is stale, or whose
 * position the log no longer matches gets the latest page instead (a second, equally bounded read).
 */
async function replay<S extends RoomlogSocket>(
  ctx: RoomlogContext<S>,
  stream: StreamRef,
  offset: { after: number; epoch: string | null; id: string | null; createdAt: number | null },
): Promise<Replay> {
  const { after, epoch, id, createdAt } = offset;
  const limit = ctx.options.replayLimit;
  const latest = async (reason: SyncReason): Promise<Replay> => {
    const page = await ctx.reads.read(stream, { limit });
    return { messages: page.messages, head: page.head, reason, hasMore: false };
  };
  const from = Math.max(0, after - 1);
  // One more than replayLimit, so the entry at `after` does not take a replayed entry's place
  // (within the store's read limit: at the maximum, a replay holds one entry less).
  const page = await ctx.reads.read(stream, { after: from, limit: Math.min(limit + (after > 0 ? 1 : 0), MAX_READ_LIMIT) });
  const head = page.head;
  if (head === null) {
    // Never written, or wiped: an offset the client holds belongs to a stream that is gone.
    return { messages: [], head, reason: after > 0 || epoch !== null ? 'epoch-changed' : undefined, hasMore: false };
  }
  if (epoch !== null && epoch !== head.epoch) return latest('epoch-changed');
  // Same epoch, but the log ends before the client's position, or holds another entry there:
  // entries the client holds were lost (a failover, a restore). Continuing would skip the next
  // entries as repeats of ones the client already has.
  if (head.seq < after) return latest('rewound');
  const atOffset = after > 0 && page.messages[0]?.seq === after ? page.messages[0] : undefined;
  // The id alone is not enough where a store derives it from the seq: createdAt tells a new entry from the lost one.
  if (atOffset && ((id !== null && atOffset.id !== id) || (createdAt !== null && atOffset.createdAt !== createdAt)))
    return latest('rewound');
  const messages = page.messages.filter((message) => message.seq > after);
  if (messages.length > limit || page.hasMore) return latest('too-far-behind');
  // The store says truncated when its cursor (one below the client's seq) is below the oldest
  // retained entry; only entries after the client's seq being gone matter.
  const truncated = page.truncated && head.firstSeq > after + 1;
  return { messages, head, reason: truncated ? 'truncated' : undefined, hasMore: false };
}

async function syncRoom<S extends RoomlogSocket>(
  ctx: RoomlogContext<S>,
  socket: S,
  room: string,
  offset: unknown,
  budget: PacketBudget,
): Promise<SyncRoomResult> {
  const name = clientRoom(room);
  const parsed = parseOffset(offset);
  await settleMembership(ctx, socket, name);
  const stream = { namespace: ctx.namespace, room: name };
  const { messages, head, reason, hasMore } = parsed.visit ? await firstVisit(ctx, stream, parsed.from) : await replay(ctx, stream, parsed);
  ctx.healer.follow(name);
  recordSync(name, reason, messages.length);
  // The answer is one packet: a replay keeps its oldest entries within the budget (the client
  // reads on with history), a latest page its newest (it reaches the head either way).
  const latestPage = reason !== undefined && reason !== 'truncated' ? true : parsed.visit && parsed.from === 'latest';
  const presented = await presentAll(ctx, socket, messages);
  const fitted = fitPage(presented, budget, latestPage ? 'newest' : 'oldest');
  // Other rooms of this answer took the whole packet: this one is asked for again on its own.
  if (fitted.messages.length === 0 && presented.length > 0) throw busy('socket', 'this sync answer is full', 0);
  const more = hasMore || (fitted.cut && !latestPage);
  return {
    messages: fitted.messages,
    head,
    recovered: reason === undefined,
    ...(reason === undefined ? {} : { reason }),
    ...(more ? { hasMore: true } : {}),
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
    throw invalidArgument('socket', 'rooms', `must be an object of room offsets, got ${describeValue(rooms)}`);
  }
  const entries = Object.entries(rooms);
  if (entries.length > ctx.options.maxSyncRooms) {
    throw invalidArgument('socket', 'rooms', `must name at most ${ctx.options.maxSyncRooms} rooms, got ${entries.length}`);
  }
  // The whole answer is one packet: its rooms share one byte and attachment budget.
  const { maxPacketBytes, maxPacketAttachments } = ctx.options.limits;
  const budget = new PacketBudget(maxPacketBytes, maxPacketAttachments);
  const answers = await Promise.all(
    entries.map(async ([room, offset]): Promise<[string, Ack<SyncRoomResult>]> => {
      try {
        return [room, { ok: true, ...(await syncRoom(ctx, socket, room, offset, budget)) }];
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
