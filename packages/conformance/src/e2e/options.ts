/**
 * What a backend hands the end-to-end suite.
 */
import type { MessageStore, StreamRef } from '@roomlog/core';
import type { ServerOptions } from 'socket.io';

/** A Socket.IO adapter for one node, and how to release what it holds (e.g. its Redis connections). */
export interface AdapterSetup {
  adapter: ServerOptions['adapter'];
  close(): void | Promise<void>;
}

/**
 * Faults a run can inject for the fault scenarios; each scenario is skipped when the hook it
 * needs is missing. Servers a run stops must be its own (never a shared database).
 */
export interface EndToEndFaults {
  /** Stops the database every store of the run uses: calls fail (or time out) until `startDatabase`. */
  stopDatabase?: (() => Promise<void>) | undefined;
  /** Brings the stopped database back with its data. */
  startDatabase?: (() => Promise<void>) | undefined;
  /** Kills the server the adapter talks over (e.g. its Redis), so broadcasts between nodes are dropped. */
  killAdapter?: (() => Promise<void>) | undefined;
  /** Brings the adapter's server back. */
  startAdapter?: (() => Promise<void>) | undefined;
  /**
   * Removes a stream's entries after seq `keep` behind the store's back, keeping its epoch and
   * setting its counter back to `keep` (as a restore from a backup, or a failover that lost
   * writes): the next append takes seq `keep + 1` again.
   */
  rewind?: ((stream: StreamRef, keep: number) => Promise<void>) | undefined;
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
  /** Faults the run can inject; without them the fault scenarios are skipped. */
  faults?: EndToEndFaults | undefined;
  /** Runs once after all tests. */
  cleanup?: (() => void | Promise<void>) | undefined;
}
