/** A clock the suite moves by hand, so retention and TTL tests need no sleeps. */

/** A manual clock: `now` is passed to the store as its `now` option. */
export interface ManualClock {
  /** Current time in ms since epoch; pass as the store's `now` option. */
  readonly now: () => number;
  /** Moves the clock forward by `ms` milliseconds. */
  advance(ms: number): void;
}

/**
 * Creates a {@link ManualClock} starting at the real current time (whole ms), so a backend
 * that also looks at real time sees plausible values.
 */
export function manualClock(start = Date.now()): ManualClock {
  let time = start;
  return {
    now: () => time,
    advance(ms) {
      time += ms;
    },
  };
}
