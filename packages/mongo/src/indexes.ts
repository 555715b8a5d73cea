/**
 * Index creation for `init()`. The index definitions live on the schemas (`schema.ts`); this
 * builds them and tolerates several nodes doing it at the same moment. The TTL index is built
 * apart, only under the `'mongodb'` strategy, because a server may refuse it (FerretDB v1
 * answers `NotImplemented`) and the store works without it.
 */
import type { mongo } from 'mongoose';
import type { MessageDocument } from './documents';
import type { RoomlogModels } from './schema';

/** The TTL index on `purgeAt` (see `writes.ts`, `markSuperseded`). */
export const TTL_INDEX = 'purge_ttl';

/**
 * Answers that mean "this server has no TTL indexes": CommandNotSupported, NotImplemented, and
 * InvalidOptions / CannotCreateIndex from servers that know the command but not the option.
 */
const NO_TTL_CODES = new Set([115, 238, 72, 67]);

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

/**
 * Builds the TTL index on `purgeAt` (`expireAfterSeconds: 0`: each entry leaves at its own
 * `purgeAt`).
 * @returns whether the server has it now; `false` when it has no TTL indexes.
 */
export async function createTtlIndex(messages: mongo.Collection<MessageDocument>): Promise<boolean> {
  try {
    await messages.createIndex({ purgeAt: 1 }, { name: TTL_INDEX, expireAfterSeconds: 0 });
    return true;
  } catch (error) {
    const code = (error as { code?: unknown } | null)?.code;
    if (typeof code === 'number' && NO_TTL_CODES.has(code)) return false;
    throw error;
  }
}
