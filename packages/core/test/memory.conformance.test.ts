import { runConformanceSuite } from '@roomlog/conformance';
import { MemoryDatabase, MemoryStore } from '../src/index';

// One shared database per run: every instance the suite creates is a "node" on it.
const database = new MemoryDatabase();

runConformanceSuite({
  name: 'memory',
  create: (options) => new MemoryStore({ ...options, database }),
  inspect: {
    async storedCount(stream) {
      return database.streams.get(`${stream.namespace}\u0000${stream.room}`)?.entries.length ?? 0;
    },
  },
});
