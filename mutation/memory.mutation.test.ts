/**
 * The conformance suite against MemoryStore, as `pnpm mutation` runs it for every mutant.
 * Every group but two: `model` compares the store with MemoryStore itself, which carries the
 * same mutant, so it could never tell them apart; `concurrency` (8 instances × 210 messages)
 * runs nothing concurrently on a single-threaded in-process store that `sequence` and
 * `idempotency` do not already run, and would multiply the run's time.
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
  { groups: CONFORMANCE_GROUP_NAMES.filter((group) => group !== 'model' && group !== 'concurrency') },
);
