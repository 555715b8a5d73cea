/**
 * Jittered exponential backoff for a backend's retries after losing a race (a deadlock, a
 * write conflict, a lock held by another node). The delay is drawn uniformly from zero to the
 * exponential bound ("full jitter"), so racers that collided do not collide again in lockstep.
 */

/** Bounds of {@link backoffDelay}. */
export interface BackoffOptions {
  /** Bound of the first retry's delay, in ms; doubles with every attempt. @default 5 */
  baseMs?: number | undefined;
  /** Largest delay, in ms. @default 50 */
  maxMs?: number | undefined;
}

/**
 * The delay before retry number `attempt` (1 for the first retry), in ms: uniform in
 * `[0, min(maxMs, baseMs * 2^(attempt - 1)))`.
 */
export function backoffDelay(attempt: number, options: BackoffOptions = {}): number {
  const { baseMs = 5, maxMs = 50 } = options;
  return Math.random() * Math.min(maxMs, baseMs * 2 ** Math.max(0, attempt - 1));
}

/** Waits {@link backoffDelay}`(attempt, options)` ms. */
export function backoff(attempt: number, options?: BackoffOptions): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, backoffDelay(attempt, options)));
}
