/**
 * `report()`: how the Socket.IO integration hands an error to the app's `onError` hook. Every
 * failure of a request, a hook or a background step goes through here, so none is swallowed
 * and a throwing `onError` cannot take the server down.
 */
import type { RoomlogError } from '../errors';
import type { RoomlogContext } from './context';
import type { ErrorContext, RoomlogSocket } from './options';

/** Passes an error to `onError`; an `onError` that throws is logged rather than left unhandled. */
export function report<S extends RoomlogSocket>(ctx: RoomlogContext<S>, error: RoomlogError, context: ErrorContext<S>): void {
  try {
    ctx.options.hooks.onError(error, context);
  } catch (hookError) {
    console.error('[roomlog] [socket] onError threw', hookError);
  }
}
