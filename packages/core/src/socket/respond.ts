/**
 * Running a client request and answering its ack: `{ ok: true, ...result }` or
 * `{ ok: false, error: { code, message } }`. Nothing a client sends can make a handler throw
 * past this point, so no request crashes the server.
 */
import { type RoomlogError, toRoomlogError } from '../errors';
import { startRequest } from '../telemetry';
import type { RoomlogContext } from './context';
import { toErrorPayload } from './envelope';
import type { ErrorContext, RoomlogSocket } from './options';

/** Passes an error to `onError`; an `onError` that throws is logged rather than left unhandled. */
export function report<S extends RoomlogSocket>(ctx: RoomlogContext<S>, error: RoomlogError, context: ErrorContext<S>): void {
  try {
    ctx.options.hooks.onError(error, context);
  } catch (hookError) {
    console.error('[roomlog] [socket] onError threw', hookError);
  }
}

/**
 * Runs `work` and acks its outcome. `ack` is whatever the client passed last; a client that
 * sent no callback gets no answer, but failures are still reported.
 */
export function respond<S extends RoomlogSocket>(
  ctx: RoomlogContext<S>,
  socket: S,
  event: string,
  ack: unknown,
  work: () => Promise<object>,
): void {
  const reply = typeof ack === 'function' ? (ack as (answer: unknown) => void) : () => {};
  const answered = startRequest(event);
  work().then(
    (result) => {
      answered(null);
      reply({ ok: true, ...result });
    },
    (thrown: unknown) => {
      const error = toRoomlogError(thrown, 'socket');
      answered(error.code);
      report(ctx, error, { event, socket });
      reply({ ok: false, error: toErrorPayload(error) });
    },
  );
}
