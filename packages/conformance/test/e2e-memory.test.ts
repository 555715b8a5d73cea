import { MemoryDatabase, MemoryStore } from '@roomlog/core';
import { runEndToEndSuite } from '../src/e2e';
import { redisAdapter } from './e2e-adapter';

// Nodes of a run share one in-memory database, as they would share a real one.
const database = new MemoryDatabase();

runEndToEndSuite({
  name: 'memory',
  createStore: () => new MemoryStore({ database }),
  createAdapter: redisAdapter,
});
