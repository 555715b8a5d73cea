/**
 * The conformance suite against MemoryStore, as `pnpm mutation` runs it for every mutant.
 * Every group but `model`: that one compares the store with MemoryStore itself, which carries
 * the same mutant, so it could never tell them apart and would only cost time.
 */
import { CONFORMANCE_GROUP_NAMES, runConformanceSuite } from '@roomlog/conformance';
import { MemoryDatabase, MemoryStore } from '@roomlog/core';

const database = new MemoryDatabase();

runConformanceSuite(
  {
    name: 'memory',
    create: (options) => new MemoryStore({ ...options, database }),
    inspect: {
      async storedCount(stream) {
        return database.streams.get(`${stream.namespace}\u0000${stream.room}`)?.entries.length ?? 0;
      },
    },
  },
  { groups: CONFORMANCE_GROUP_NAMES.filter((group) => group !== 'model') },
);
