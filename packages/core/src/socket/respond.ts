/**
 * Running a client request and answering its ack: `{ ok: true, ...result }` or
 * `{ ok: false, error: { code, message } }`. Nothing a client sends can make a handler throw
 * past this point, and nothing thrown while sending the answer (an encoder hitting a string
 * length limit, a closed transport) leaves it: it goes to `onError`, so no request crashes the
 * server.
 */
import { RoomlogError, toRoomlogError } from '../errors';
import { startRequest } from '../telemetry';
import type { RoomlogContext } from './context';
import { toErrorPayload } from './envelope';
import type { RequestKind } from './fairness';
import type { RoomlogSocket } from './options';
import { report } from './report';

/** What an ack that could not be sent is replaced with: small enough to always encode. */
const UNSENDABLE = {
  ok: false,
  error: { code: 'INTERNAL', message: '[roomlog] [socket] the answer could not be sent' },
} as const;

/**
 * Calls an ack (or any emit) and reports what it throws instead of letting it escape. After a
 * failed answer the client still gets a small `INTERNAL` one, so it does not wait out its timeout.
 * The error context is built only when something failed: this runs once per request.
 */
export function sendSafely<S extends RoomlogSocket>(
  ctx: RoomlogContext<S>,
  socket: S,
  event: string,
  send: (answer: unknown) => void,
  answer: unknown,
): void {
  try {
    send(answer);
  } catch (thrown) {
    report(ctx, new RoomlogError('INTERNAL', `could not send the answer to ${event}`, { backend: 'socket', cause: thrown }), {
      event,
      socket,
    });
    try {
      send(UNSENDABLE);
    } catch {
      // The transport itself is gone; the client's timeout answers for us.
    }
  }
}

/** What a request does: its payload (and the event it came as) in, the answer's fields out. */
export type RequestWork = (payload: unknown, event: string) => Promise<object>;

/** The reply of a request sent without a callback. */
const noReply = (): void => {};

/** Reports a failed request and answers it with the error. */
function fail<S extends RoomlogSocket>(
  ctx: RoomlogContext<S>,
  socket: S,
  event: string,
  reply: (answer: unknown) => void,
  answered: (code: string | null) => void,
  thrown: unknown,
): void {
  const error = toRoomlogError(thrown, 'socket');
  answered(error.code);
  report(ctx, error, { event, socket });
  sendSafely(ctx, socket, event, reply, { ok: false, error: toErrorPayload(error) });
}

/**
 * Runs `work(payload, event)` and acks its outcome. `ack` is whatever the client passed last; a
 * client that sent no callback gets no answer, but failures are still reported. The request
 * counts against its socket's share (`kind`): past it, it is answered `BUSY` at once (or not at
 * all while the socket's outgoing buffer is over its bound: the client is not reading). A request
 * waits for that buffer to drain below its bound before it starts, a read for a read slot too.
 * `work` takes the payload rather than closing over it, so a request allocates no closure of
 * its own (this is every message's path).
 */
export function respond<S extends RoomlogSocket>(
  ctx: RoomlogContext<S>,
  socket: S,
  event: string,
  ack: unknown,
  work: RequestWork,
  payload: unknown,
  kind: RequestKind = 'other',
): void {
  const reply = typeof ack === 'function' ? (ack as (answer: unknown) => void) : noReply;
  const answered = startRequest(event);
  let leave: () => void;
  try {
    leave = ctx.fairness.admit(socket, kind);
  } catch (refused) {
    // Its client is not reading what it was sent: an answer would only add to that.
    if (ctx.fairness.overflowing(socket)) {
      const error = toRoomlogError(refused, 'socket');
      answered(error.code);
      report(ctx, error, { event, socket });
      return;
    }
    fail(ctx, socket, event, reply, answered, refused);
    return;
  }
  void run(ctx, socket, event, reply, answered, work, payload, kind, leave);
}

/** The admitted part of {@link respond}; never rejects. */
async function run<S extends RoomlogSocket>(
  ctx: RoomlogContext<S>,
  socket: S,
  event: string,
  reply: (answer: unknown) => void,
  answered: (code: string | null) => void,
  work: RequestWork,
  payload: unknown,
  kind: RequestKind,
  leave: () => void,
): Promise<void> {
  let freeRead: (() => void) | null = null;
  try {
    if (kind === 'read') freeRead = await ctx.fairness.readSlot(socket);
    const held = freeRead ? null : ctx.fairness.drained(socket);
    if (held) await held;
    const result = await work(payload, event);
    answered(null);
    // Sent before the read slot is freed, so the next read sees this answer in the buffer.
    sendSafely(ctx, socket, event, reply, { ok: true, ...result });
  } catch (thrown) {
    fail(ctx, socket, event, reply, answered, thrown);
  } finally {
    freeRead?.();
    leave();
  }
}
