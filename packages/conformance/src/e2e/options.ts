/**
 * What a backend hands the end-to-end suite.
 */
import type { MessageStore } from '@roomlog/core';
import type { ServerOptions } from 'socket.io';

/** A Socket.IO adapter for one node, and how to release what it holds (e.g. its Redis connections). */
export interface AdapterSetup {
  adapter: ServerOptions['adapter'];
  close(): void | Promise<void>;
}

/** Options of `runEndToEndSuite`. */
export interface EndToEndOptions {
  /** Name shown in the report, e.g. `'redis'`. */
  name: string;
  /**
   * Creates a store for one Socket.IO node. Every store created during a run must share one
   * database (nodes of one deployment, and a restarted node, see the same data). Tests use
   * random rooms, so no wipe is needed. The suite closes each store it created.
   */
  createStore(): MessageStore | Promise<MessageStore>;
  /**
   * Creates the adapter of one node of a cluster (e.g. `@socket.io/redis-adapter`). Nodes of one
   * test get the same `channel`; tests never share one. Without it the multi-node scenarios are skipped.
   */
  createAdapter?: ((channel: string) => AdapterSetup | Promise<AdapterSetup>) | undefined;
  /** Runs once after all tests. */
  cleanup?: (() => void | Promise<void>) | undefined;
}
