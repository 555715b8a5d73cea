/** Waiting by polling, never by a fixed sleep. */

/** Resolves after `ms` milliseconds. */
export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));
}

/**
 * Polls `check` every 50 ms until it returns true.
 * @param timeoutMs - give up after this long and throw, naming `what`. @default 30000
 */
export async function waitFor(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await delay(50);
  }
}

/**
 * Polls until `count()` reaches `target`, failing only when it stops moving: a slow backend is
 * fine, a stall (no change for `stallMs`) is a bug worth failing on.
 * @param stallMs - longest time without progress, in ms. @default 60000
 */
export async function waitForCount(what: string, count: () => number, target: number, stallMs = 60_000): Promise<void> {
  let last = count();
  let movedAt = Date.now();
  while (last < target) {
    await delay(50);
    const now = count();
    if (now !== last) {
      last = now;
      movedAt = Date.now();
    } else if (Date.now() - movedAt > stallMs) {
      throw new Error(`stalled at ${last} waiting for ${target} ${what} (no progress for ${stallMs} ms)`);
    }
  }
}
