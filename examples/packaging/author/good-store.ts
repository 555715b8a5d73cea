// The smallest store module an author hands the CLI: MemoryStore instances on one shared
// database (the suite opens several instances as several nodes). TypeScript, as the docs show.
import { MemoryDatabase, MemoryStore, type BaseStoreOptions } from '@roomlog/core';

const database = new MemoryDatabase();

export default {
  name: 'packed-memory',
  create: (options: BaseStoreOptions) => new MemoryStore({ ...options, database }),
};
