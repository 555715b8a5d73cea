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
import type { StreamHead, StreamRef } from '../store';
import { recordSync } from '../telemetry';
import { MAX_READ_LIMIT, describeValue } from '../validation';
import { clientRoom, settleMembership } from './authorize';
import { type BudgetedPage, COLD_CHUNK, PacketBudget, chunkSize, readBudgeted } from './budget';
import type { RoomlogContext } from './context';
import { toErrorPayload } from './envelope';
import type { RoomlogSocket } from './options';
import { type Ack, ROOMLOG_EVENTS, type SyncFrom, type SyncReason, type SyncRoomResult, type WireEntry } from './protocol';
import { report } from './report';
import { parseOffset } from './requests';

/**
 * Rooms of one sync answer whose entries are read at once. The rooms share one packet, and a
 * room's first read may hold {@link COLD_CHUNK} entries of up to `maxPayloadBytes` each before
 * their size is known: this keeps what one sync holds near a few packets, not rooms × chunk.
 */
const ROOMS_READ_AT_ONCE = 8;

interface Replay {
  messages: WireEntry[];
  head: StreamHead | null;
  reason: SyncReason | undefined;
  hasMore: boolean;
  /** The budget ended the answer before any of this room's entries. */
  full: boolean;
}

/** A replay of the entries `page` read. */
const replayOf = (page: BudgetedPage, reason: SyncReason | undefined, hasMore: boolean): Replay => ({
  messages: page.messages,
  head: page.head,
  reason,
  hasMore,
  full: page.cut && page.messages.length === 0,
});

/**
 * The latest page within the budget: its newest entries, which is where a chat opens. Nothing
 * follows it, so it never says `hasMore`.
 */
async function latestPage<S extends RoomlogSocket>(
  ctx: RoomlogContext<S>,
  socket: S,
  stream: StreamRef,
  budget: PacketBudget,
  reason: SyncReason | undefined,
): Promise<Replay> {
  return replayOf(await readBudgeted(ctx, socket, stream, { limit: ctx.options.replayLimit }, budget), reason, false);
}

/**
 * A first visit: the latest page (a chat opens at the bottom), or from the start or a seq, page
 * by page (`hasMore`). It is where the client asked to start, so it never counts as a reset.
 */
async function firstVisit<S extends RoomlogSocket>(
  ctx: RoomlogContext<S>,
  socket: S,
  stream: StreamRef,
  from: SyncFrom,
  budget: PacketBudget,
): Promise<Replay> {
  if (from === 'latest') return latestPage(ctx, socket, stream, budget, undefined);
  const query = { after: from === 'start' ? 0 : from, limit: ctx.options.replayLimit };
  const page = await readBudgeted(ctx, socket, stream, query, budget);
  return replayOf(page, undefined, page.hasMore);
}

/**
 * Decides how a returning client continues, from the head and the entry at its seq, both given
 * by one first read that starts one entry early (continuity): a client more than `replayLimit`
 * entries behind, whose epoch is stale, or whose position the log no longer matches gets the
 * latest page instead. A replay is read on in chunks only while the packet has room: it ends
 * with `hasMore` where the budget ends it, and the client reads on with history.
 */
async function replay<S extends RoomlogSocket>(
  ctx: RoomlogContext<S>,
  socket: S,
  stream: StreamRef,
  offset: { after: number; epoch: string | null; id: string | null; createdAt: number | null },
  budget: PacketBudget,
): Promise<Replay> {
  const { after, epoch, id, createdAt } = offset;
  const limit = ctx.options.replayLimit;
  // One more than the chunk, so the entry at `after` does not take a replayed entry's place
  // (within the store's read limit).
  const chunk = chunkSize(budget, limit, ctx.entrySizes.get(stream)) + (after > 0 ? 1 : 0);
  const first = await ctx.reads.read(stream, { after: Math.max(0, after - 1), limit: Math.min(chunk, MAX_READ_LIMIT) });
  const head = first.head;
  if (head === null) {
    // Never written, or wiped: an offset the client holds belongs to a stream that is gone.
    const reason = after > 0 || epoch !== null ? 'epoch-changed' : undefined;
    return { messages: [], head, reason, hasMore: false, full: false };
  }
  if (epoch !== null && epoch !== head.epoch) return latestPage(ctx, socket, stream, budget, 'epoch-changed');
  // Same epoch, but the log ends before the client's position, or holds another entry there:
  // entries the client holds were lost (a failover, a restore). Continuing would skip the next
  // entries as repeats of ones the client already has.
  if (head.seq < after) return latestPage(ctx, socket, stream, budget, 'rewound');
  const atOffset = after > 0 && first.messages[0]?.seq === after ? first.messages[0] : undefined;
  // The id alone is not enough where a store derives it from the seq: createdAt tells a new entry from the lost one.
  if (atOffset && ((id !== null && atOffset.id !== id) || (createdAt !== null && atOffset.createdAt !== createdAt)))
    return latestPage(ctx, socket, stream, budget, 'rewound');
  // Seqs are dense and retention removes the oldest first, so the head tells how many entries
  // follow the client's seq without reading them.
  const missed = head.seq - Math.max(after, head.firstSeq - 1);
  if (missed > limit) return latestPage(ctx, socket, stream, budget, 'too-far-behind');
  const rest = first.messages.filter((message) => message.seq > after);
  const opened = rest.length > 0 || !first.hasMore ? { ...first, messages: rest } : undefined;
  const page = await readBudgeted(ctx, socket, stream, { after, limit }, budget, opened);
  // The store says truncated when its cursor (one below the client's seq) is below the oldest
  // retained entry; only entries after the client's seq being gone matter.
  const truncated = first.truncated && head.firstSeq > after + 1;
  return { ...replayOf(page, truncated ? 'truncated' : undefined, page.hasMore), head: page.head ?? head };
}

async function syncRoom<S extends RoomlogSocket>(
  ctx: RoomlogContext<S>,
  socket: S,
  room: string,
  offset: unknown,
  budget: PacketBudget,
  readSlot: <T>(read: () => Promise<T>) => Promise<T>,
): Promise<SyncRoomResult> {
  const name = clientRoom(room);
  const parsed = parseOffset(offset);
  await settleMembership(ctx, socket, name);
  const stream = { namespace: ctx.namespace, room: name };
  const { messages, head, reason, hasMore, full } = await readSlot(() =>
    parsed.visit ? firstVisit(ctx, socket, stream, parsed.from, budget) : replay(ctx, socket, stream, parsed, budget),
  );
  ctx.healer.follow(name);
  recordSync(name, reason, messages.length);
  // Other rooms of this answer took the whole packet: this one is asked for again on its own.
  if (full) throw busy('socket', 'this sync answer is full', 0);
  return {
    messages,
    head,
    recovered: reason === undefined,
    ...(reason === undefined ? {} : { reason }),
    ...(hasMore ? { hasMore: true } : {}),
  };
}

/** Runs at most `slots` of the calls it is given at once, in the order they are given. */
function limiter(slots: number): <T>(run: () => Promise<T>) => Promise<T> {
  let free = slots;
  const waiting: (() => void)[] = [];
  return async (run) => {
    if (free > 0) free--;
    else await new Promise<void>((resolve) => waiting.push(resolve));
    try {
      return await run();
    } finally {
      const next = waiting.shift();
      if (next) next();
      else free++;
    }
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
  const readSlot = limiter(ROOMS_READ_AT_ONCE);
  const answers = await Promise.all(
    entries.map(async ([room, offset]): Promise<[string, Ack<SyncRoomResult>]> => {
      try {
        return [room, { ok: true, ...(await syncRoom(ctx, socket, room, offset, budget, readSlot)) }];
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
