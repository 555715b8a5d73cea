import { MemoryDatabase, MemoryStore } from '@roomlog/core';
import { runEndToEndSuite } from '../src/e2e';
import { redisAdapter } from './e2e-adapter';

// Nodes of a run share one in-memory database, as they would share a real one.
const database = new MemoryDatabase();

runEndToEndSuite({
  name: 'memory',
  createStore: () => new MemoryStore({ database }),
  createAdapter: redisAdapter,
  faults: {
    // Behind the store's back, as a restore from an older backup would: the newest entries go,
    // the counter goes back, the epoch stays.
    rewind: async ({ namespace, room }, keep) => {
      for (const stream of database.streams.values()) {
        if (stream.namespace !== namespace || stream.room !== room) continue;
        const lost = stream.entries.filter((entry) => entry.seq > keep);
        stream.entries = stream.entries.filter((entry) => entry.seq <= keep);
        for (const entry of lost) if (entry.clientMessageId) stream.byClientId.delete(entry.clientMessageId);
        stream.seq = keep;
      }
    },
  },
});
