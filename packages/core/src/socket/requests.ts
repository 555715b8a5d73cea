/**
 * Every client request's payload, checked in one place before anything else looks at it:
 * a client can send anything, so each parser accepts exactly the shape the protocol names
 * (`protocol.ts`) and refuses the rest with `INVALID_ARGUMENT`, naming the field.
 */
import { invalidArgument } from '../errors';
import { describeValue, validateInteger, validateSeq } from '../validation';
import { clientRoom } from './authorize';
import type { RoomlogContext } from './context';
import type { RoomlogSocket } from './options';
import type { RoomOffset, SyncFrom } from './protocol';

/** `{ room, seq, data? }` of `roomlog:edit`, `roomlog:delete` and `roomlog:mark-read`. */
export function parseSeqRequest(request: unknown): { room: string; seq: number; data: unknown } {
  if (request === null || typeof request !== 'object') {
    throw invalidArgument('socket', 'request', `must be { room, seq }, got ${describeValue(request)}`);
  }
  const { room, seq, data } = request as Record<string, unknown>;
  return { room: clientRoom(room), seq: validateSeq('socket', seq), data };
}

/** `{ room }` of `roomlog:unread`. */
export function parseRoomRequest(request: unknown): { room: string } {
  return { room: clientRoom((request as { room?: unknown } | null)?.room) };
}

/** `{ room, before?, after?, limit? }` of `roomlog:history`; the bounds are checked after authorization, by the read. */
export function parseHistoryRequest(request: unknown): { room: string; before: unknown; after: unknown; limit: unknown } {
  if (request === null || typeof request !== 'object') {
    throw invalidArgument('socket', 'request', `must be { room, before?, after?, limit? }, got ${describeValue(request)}`);
  }
  const { room, before, after, limit } = request as Record<string, unknown>;
  return { room: clientRoom(room), before, after, limit };
}

/** A persisted client event's payload, checked. */
export interface SendInput {
  room: string;
  data: unknown;
  clientMessageId: string | undefined;
}

/** `{ room, data, clientMessageId? }` of a persisted client event. */
export function parseSendPayload(payload: unknown): SendInput {
  if (payload === null || typeof payload !== 'object' || Array.isArray(payload)) {
    throw invalidArgument('socket', 'payload', `must be { room, data, clientMessageId? }, got ${describeValue(payload)}`);
  }
  const { room, data, clientMessageId } = payload as Record<string, unknown>;
  if (clientMessageId !== undefined && typeof clientMessageId !== 'string') {
    throw invalidArgument('socket', 'clientMessageId', `must be a string, got ${describeValue(clientMessageId)}`);
  }
  return { room: clientRoom(room), data, clientMessageId };
}

/** A room's offset as the client sent it: a returning client's position, or a first visit. */
export type ParsedOffset =
  | { visit: false; after: number; epoch: string | null; id: string | null; createdAt: number | null }
  | { visit: true; from: SyncFrom };

/** Where a first visit starts: `'latest'`, `'start'` or a seq. */
function parseFrom(from: unknown): SyncFrom {
  if (from === 'latest' || from === 'start') return from;
  if (typeof from === 'number') return validateInteger('socket', 'from', from, 0);
  throw invalidArgument('socket', 'from', `must be 'latest', 'start' or a seq, got ${describeValue(from)}`);
}

/** One room's entry of `roomlog:sync`: `{ after?, epoch?, id?, createdAt? }` or `{ from }`. */
export function parseOffset(offset: unknown): ParsedOffset {
  if (offset === null || typeof offset !== 'object') {
    throw invalidArgument('socket', 'offset', `must be { after?, epoch?, id? } or { from }, got ${describeValue(offset)}`);
  }
  const { after, epoch, id, createdAt, from } = offset as RoomOffset;
  if (from !== undefined) return { visit: true, from: parseFrom(from) };
  if (epoch !== undefined && epoch !== null && typeof epoch !== 'string') {
    throw invalidArgument('socket', 'epoch', `must be a string or null, got ${describeValue(epoch)}`);
  }
  if (id !== undefined && id !== null && (typeof id !== 'string' || id.length > MAX_ID_LENGTH)) {
    throw invalidArgument('socket', 'id', `must be a string of at most ${MAX_ID_LENGTH} characters or null, got ${describeValue(id)}`);
  }
  return {
    visit: false,
    after: after === undefined ? 0 : validateInteger('socket', 'after', after, 0),
    epoch: epoch ?? null,
    id: id ?? null,
    createdAt: createdAt === undefined || createdAt === null ? null : validateInteger('socket', 'createdAt', createdAt, 0),
  };
}

/** Entry ids are short (UUIDs, ObjectIds); anything longer cannot match and is refused. */
const MAX_ID_LENGTH = 128;

/** The user a request comes from (the `userId` option), which edits, deletes and markers need. */
export function socketUser<S extends RoomlogSocket>(ctx: RoomlogContext<S>, socket: S): string {
  const userId = ctx.options.userId(socket);
  if (userId === undefined)
    throw invalidArgument(
      'socket',
      'userId',
      'is not known for this socket: set socket.data.userId in an io.use() middleware, or pass the userId option',
    );
  return userId;
}
