/**
 * `roomlog:history` and `handle.history()`: a page of a room, with the store's cursor rules,
 * each entry passed through `beforeDeliver` for the asking socket.
 */
import type { ReadQuery, StreamRef } from '../store';
import { recordHistory } from '../telemetry';
import { normalizeReadQuery } from '../validation';
import { assertAllowed } from './authorize';
import type { RoomlogContext } from './context';
import { PacketBudget, readBudgeted } from './budget';
import { toEnvelope } from './envelope';
import type { Recipient, RoomlogSocket } from './options';
import type { HistoryPage, MessageEnvelope, WireEntry } from './protocol';
import { parseHistoryRequest } from './requests';

/**
 * Reads one page and shapes it for `recipient` (wire form), or for nobody in particular:
 * server-side calls get every entry as stored, in full.
 */
export async function readPage<S extends RoomlogSocket>(
  ctx: RoomlogContext<S>,
  recipient: null,
  stream: StreamRef,
  query: ReadQuery,
): Promise<HistoryPage<MessageEnvelope>>;
export async function readPage<S extends RoomlogSocket>(
  ctx: RoomlogContext<S>,
  recipient: Recipient<S['data']>,
  stream: StreamRef,
  query: ReadQuery,
): Promise<HistoryPage<WireEntry>>;
export async function readPage<S extends RoomlogSocket>(
  ctx: RoomlogContext<S>,
  recipient: Recipient<S['data']> | null,
  stream: StreamRef,
  query: ReadQuery,
): Promise<HistoryPage<MessageEnvelope | WireEntry>> {
  if (recipient) {
    // A client's page is one packet: it ends early at the byte and attachment budget.
    const { maxPacketBytes, maxPacketAttachments } = ctx.options.limits;
    const page = await readBudgeted(ctx, recipient, stream, query, new PacketBudget(maxPacketBytes, maxPacketAttachments));
    recordHistory(page.messages.length);
    return { messages: page.messages, head: page.head, hasMore: page.hasMore, truncated: page.truncated };
  }
  const page = await ctx.reads.read(stream, query);
  recordHistory(page.messages.length);
  return { messages: page.messages.map(toEnvelope), head: page.head, hasMore: page.hasMore, truncated: page.truncated };
}

/** Handles one `roomlog:history` request: `read` must be allowed for the room. */
export async function history<S extends RoomlogSocket>(
  ctx: RoomlogContext<S>,
  socket: S,
  request: unknown,
): Promise<HistoryPage<WireEntry>> {
  const { room: name, before, after, limit } = parseHistoryRequest(request);
  await assertAllowed(ctx, socket, 'read', name);
  const query = normalizeReadQuery('socket', { before, after, limit });
  return readPage(
    ctx,
    socket,
    { namespace: ctx.namespace, room: name },
    {
      after: query.after ?? undefined,
      before: query.before ?? undefined,
      limit: query.limit,
    },
  );
}
