/**
 * The end-to-end Socket.IO suite over the PostgreSQL store: real servers and clients, restarts
 * and recovery, every node's store on one schema (dropped afterwards). Multi-node scenarios
 * need a Socket.IO adapter and run in `@roomlog/conformance` with the Redis adapter; here the
 * point is the store under the real integration.
 */
import { runEndToEndSuite } from '@roomlog/conformance/e2e';
import { testDatabase } from './fixtures';

const db = testDatabase({ max: 10 });

runEndToEndSuite({
  name: 'postgres',
  createStore: () => db.store(),
  cleanup: () => db.drop(),
});
