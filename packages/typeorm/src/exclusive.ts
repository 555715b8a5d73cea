/**
 * One-at-a-time execution per DataSource, for sql.js. TypeORM gives a sql.js DataSource a
 * single connection (one query runner for everyone), so two overlapping transactions would
 * interleave on it. Every store on the same DataSource queues here, so its transactions run
 * whole, one after another, like SQLite's single writer.
 */

const queues = new WeakMap<object, Promise<unknown>>();

/**
 * Runs `body` after every earlier task queued for `owner` has settled.
 * @param owner - the DataSource whose connection is shared.
 */
export function runExclusive<T>(owner: object, body: () => Promise<T>): Promise<T> {
  const previous = queues.get(owner) ?? Promise.resolve();
  // A failed task must not block the queue: the next one waits only for it to settle.
  const result = previous.then(body, body);
  queues.set(
    owner,
    result.then(
      () => undefined,
      () => undefined,
    ),
  );
  return result;
}
