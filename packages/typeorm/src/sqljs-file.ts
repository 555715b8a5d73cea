/**
 * Saving a sql.js database to a file so that a crash never leaves it half written.
 */
import { open, rename } from 'node:fs/promises';

/**
 * An `autoSaveCallback` for TypeORM's `sqljs` driver that replaces the database file
 * atomically: the export is written to a temporary file beside it, flushed to disk, then
 * renamed over the old one. TypeORM's own `autoSave` to `location` rewrites the file in place,
 * so a process killed during a save leaves a truncated file and the next start sees an empty
 * database. Saves run one after another in call order, so an older export never lands last.
 *
 * @param location - the database file; also pass it as the DataSource's `location` so it is loaded at start.
 * @returns the callback to pass as `autoSaveCallback` (with `autoSave: true`).
 */
export function atomicSqljsSave(location: string): (data: Uint8Array) => Promise<void> {
  let previous: Promise<void> = Promise.resolve();
  let saves = 0;
  return (data) => {
    const temporary = `${location}.${process.pid}.${++saves}.tmp`;
    const save = previous.then(async () => {
      const file = await open(temporary, 'w');
      try {
        await file.writeFile(data);
        await file.sync();
      } finally {
        await file.close();
      }
      await rename(temporary, location);
    });
    // A failed save rejects its own caller; the next save still runs.
    previous = save.catch(() => {});
    return save;
  };
}
