/**
 * Small measuring helpers: percentiles, rates and timing, shared by every workload.
 */
import { performance } from 'node:perf_hooks';

/** Latency percentiles of one sample set, in milliseconds. */
export interface Percentiles {
  p50Ms: number;
  p99Ms: number;
  p999Ms: number;
  /** How many samples the percentiles come from (a p99.9 of 1,000 samples is one sample). */
  samples: number;
}

/** The q-quantile (0–1) of already sorted values, nearest-rank. */
function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[rank] ?? Number.NaN;
}

/** p50/p99/p99.9 of latencies given in milliseconds. */
export function percentiles(latenciesMs: readonly number[]): Percentiles {
  const sorted = [...latenciesMs].sort((a, b) => a - b);
  return {
    p50Ms: quantile(sorted, 0.5),
    p99Ms: quantile(sorted, 0.99),
    p999Ms: quantile(sorted, 0.999),
    samples: sorted.length,
  };
}

/** Milliseconds since an arbitrary origin, sub-millisecond resolution. */
export function nowMs(): number {
  return performance.now();
}

/** Events per second for `count` events over `elapsedMs`. */
export function perSecond(count: number, elapsedMs: number): number {
  return elapsedMs > 0 ? (count * 1000) / elapsedMs : 0;
}

/** Rejects with a message naming `what` when `promise` takes longer than `ms`. */
export async function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not finish within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** A promise with its resolve/reject exposed, for "wait until the counters say done". */
export function deferred<T = void>(): { promise: Promise<T>; resolve: (value: T) => void; reject: (error: unknown) => void } {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** Operations a lane runs between yields to the event loop. */
const YIELD_EVERY = 64;

/**
 * Runs `worker` on `concurrency` parallel lanes until `durationMs` has passed, after an
 * unmeasured warm-up of `warmupMs`. Each call of `worker` returns how many operations it
 * completed. Returns completed operations per second in the measured window. The first error
 * of any lane stops every lane and is rethrown; `signal` stops them too.
 */
export async function runFor(
  concurrency: number,
  warmupMs: number,
  durationMs: number,
  signal: AbortSignal,
  worker: () => Promise<number>,
): Promise<number> {
  let measuring = false;
  let done = 0;
  let stop = false;
  const failed = deferred<never>();
  const lane = async () => {
    try {
      for (let i = 1; !stop; i += 1) {
        const n = await worker();
        if (measuring) done += n;
        // A worker that settles in microtasks only (MemoryStore) would starve the timers that end the window.
        if (i % YIELD_EVERY === 0) await new Promise(setImmediate);
      }
    } catch (error) {
      stop = true;
      failed.reject(error);
    }
  };
  signal.addEventListener('abort', () => (stop = true), { once: true });
  const lanes = Promise.all(Array.from({ length: concurrency }, lane));
  try {
    await Promise.race([sleep(warmupMs), failed.promise]);
    measuring = true;
    const start = nowMs();
    await Promise.race([sleep(durationMs), failed.promise]);
    // Operations still in flight at the deadline are not counted; they finish before the next case.
    measuring = false;
    const elapsed = nowMs() - start;
    stop = true;
    await lanes;
    if (done === 0) throw new Error(`no operation completed within the ${durationMs} ms window: each takes longer`);
    return perSecond(done, elapsed);
  } finally {
    stop = true;
  }
}

/** Waits `ms` milliseconds (pacing a measurement window, never waiting for readiness). */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
