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
import type { ErrorContext, RoomlogSocket } from './options';
import { report } from './report';

/** What an ack that could not be sent is replaced with: small enough to always encode. */
const UNSENDABLE = {
  ok: false,
  error: { code: 'INTERNAL', message: '[roomlog] [socket] the answer could not be sent' },
} as const;

/**
 * Calls an ack (or any emit) and reports what it throws instead of letting it escape. After a
 * failed answer the client still gets a small `INTERNAL` one, so it does not wait out its timeout.
 */
export function sendSafely<S extends RoomlogSocket>(
  ctx: RoomlogContext<S>,
  context: ErrorContext<S>,
  send: (answer: unknown) => void,
  answer: unknown,
): void {
  try {
    send(answer);
  } catch (thrown) {
    report(
      ctx,
      new RoomlogError('INTERNAL', `could not send the answer to ${context.event}`, { backend: 'socket', cause: thrown }),
      context,
    );
    try {
      send(UNSENDABLE);
    } catch {
      // The transport itself is gone; the client's timeout answers for us.
    }
  }
}

/**
 * Runs `work` and acks its outcome. `ack` is whatever the client passed last; a client that
 * sent no callback gets no answer, but failures are still reported. The request counts against
 * its socket's share (`kind`): past it, it is answered `BUSY` at once; a read first waits for a
 * read slot and for the socket's outgoing buffer to drain below its bound.
 */
export function respond<S extends RoomlogSocket>(
  ctx: RoomlogContext<S>,
  socket: S,
  event: string,
  ack: unknown,
  work: () => Promise<object>,
  kind: RequestKind = 'other',
): void {
  const reply = typeof ack === 'function' ? (ack as (answer: unknown) => void) : () => {};
  const context = { event, socket };
  const answered = startRequest(event);
  const fail = (thrown: unknown) => {
    const error = toRoomlogError(thrown, 'socket');
    answered(error.code);
    report(ctx, error, context);
    sendSafely(ctx, context, reply, { ok: false, error: toErrorPayload(error) });
  };
  let leave: () => void;
  try {
    leave = ctx.fairness.admit(socket, kind);
  } catch (refused) {
    fail(refused);
    return;
  }
  const run = async (): Promise<object> => {
    const freeRead = kind === 'read' ? await ctx.fairness.readSlot(socket) : null;
    try {
      const result = await work();
      answered(null);
      // Sent before the read slot is freed, so the next read sees this answer in the buffer.
      sendSafely(ctx, context, reply, { ok: true, ...result });
      return result;
    } finally {
      freeRead?.();
    }
  };
  run().then(leave, (thrown: unknown) => {
    leave();
    fail(thrown);
  });
}
