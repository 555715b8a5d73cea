/**
 * The default `onError`: a log that stays readable under attack. A flood of refusals (20,000
 * sends over a socket's share, a client retrying a forbidden room) must not print a stack per
 * request, and a real outage must still show its first error in full.
 *
 * Per interval, the first server-side error (`INTERNAL`, `UNAVAILABLE`, `UNSUPPORTED`) of each
 * code and event is logged with its cause; everything else, repeats and refusals of client input
 * alike, is counted, and one line at the end of the interval says how many of each there were.
 */
import type { RoomlogError } from '../errors';

/** Codes that are the server's problem (worth a full log line), as opposed to refusals of client input. */
const SERVER_SIDE_CODES = new Set(['INTERNAL', 'UNAVAILABLE', 'UNSUPPORTED']);

/** Length of one counting interval, in ms. */
export const ERROR_LOG_INTERVAL_MS = 10_000;

/**
 * Makes a default `onError` with its own counts (one per `roomlog()` integration).
 * @param intervalMs - how long repeats are counted before the summary line, in ms.
 */
export function aggregatingOnError(intervalMs = ERROR_LOG_INTERVAL_MS): (error: RoomlogError, context: { event: string }) => void {
  const logged = new Set<string>();
  const counts = new Map<string, number>();
  let timer: ReturnType<typeof setTimeout> | null = null;
  const flush = () => {
    timer = null;
    logged.clear();
    if (counts.size === 0) return;
    const total = [...counts.values()].reduce((sum, n) => sum + n, 0);
    const parts = [...counts].sort((a, b) => b[1] - a[1]).map(([key, n]) => `${key} ×${n}`);
    counts.clear();
    console.warn(
      `[roomlog] [socket] ${total} more errors in the last ${intervalMs / 1000} s, counted rather than logged: ${parts.join(', ')}`,
    );
  };
  return (error, context) => {
    const key = `${error.code} (${context.event})`;
    timer ??= setTimeout(flush, intervalMs);
    // A summary timer must never keep a process alive that has nothing else to do.
    (timer as { unref?: () => void }).unref?.();
    if (SERVER_SIDE_CODES.has(error.code) && !logged.has(key)) {
      logged.add(key);
      console.error(`${error.message} (while handling ${context.event}; repeats are counted for ${intervalMs / 1000} s)`, error.cause);
      return;
    }
    counts.set(key, (counts.get(key) ?? 0) + 1);
  };
}
