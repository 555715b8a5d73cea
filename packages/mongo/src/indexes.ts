/**
 * Index creation for `init()`. The index definitions live on the schemas (`schema.ts`); this
 * builds them and tolerates several nodes doing it at the same moment.
 */
import type { RoomlogModels } from './schema';

/**
 * Server answers that only mean "another node is creating this right now": NamespaceExists,
 * IndexBuildAlreadyInProgress, and a duplicate key on the catalogue (FerretDB's SQLite
 * metadata table, when two connections create the same collection at once).
 */
const CONCURRENT_CREATE_CODES = new Set([48, 276, 11000]);
const MAX_ATTEMPTS = 5;

/** Creates every Roomlog index; idempotent, and retried when a concurrent `init()` raced this one. */
export async function createIndexes(models: RoomlogModels): Promise<void> {
  for (const model of [models.messageModel, models.streamModel, models.cursorModel, models.lockModel]) {
    for (let attempt = 1; ; attempt++) {
      try {
        await model.createIndexes();
        break;
      } catch (error) {
        const code = (error as { code?: unknown } | null)?.code;
        if (attempt >= MAX_ATTEMPTS || typeof code !== 'number' || !CONCURRENT_CREATE_CODES.has(code)) throw error;
      }
    }
  }
}
