/**
 * The sizes of one run. `full` is the reference configuration; `quick` is bounded (well under
 * 3 minutes on a 2-core machine) so CI can run the whole harness on every change. Quick
 * figures only prove the harness works; they are not reference numbers.
 */

/** Every size a workload reads. Durations in milliseconds. */
export interface BenchConfig {
  mode: 'full' | 'quick';
  /** Messages per relay case (after the warm-up). */
  relayMessages: number;
  /** Unmeasured messages sent before each relay case, to warm the JIT and connections. */
  relayWarmup: number;
  /**
   * Unmeasured messages every server relays (1 receiver) before its first case. Its JIT needs
   * about 10,000 to settle: measured on a fresh server in 3,000-message windows, plain's CPU per
   * message fell 120 → 56 → 40 → 31 → 23 µs and Roomlog/memory's 195 → 94 → 59 → 61 → 40 µs.
   */
  serverWarmup: number;
  /** Most messages a sender has waiting for their ack. */
  maxInFlight: number;
  /** Receivers in the "many receivers" cases (relay and ack latency). */
  manyReceivers: number;
  /** Ack-latency samples per case. */
  latencySamples: number;
  /** Messages per second of the "light load" latency case. */
  lightRate: number;
  /** Length of each measured append window, and its warm-up. */
  appendMs: number;
  appendWarmupMs: number;
  /** Concurrent appenders per append case. */
  appendConcurrency: readonly number[];
  /** Messages per raw-driver batch (the "limit" rows). */
  rawBatch: number;
  /** Raw batches kept in flight at once. */
  rawInFlight: number;
  /** Batch size of the raw "serial" rows: the batcher's default `maxBatchSize`. */
  serialBatch: number;
  /** Entries in the stream the history reads page through. */
  historyStream: number;
  /** Reads per history case. */
  historyReads: number;
  /** Reconnect storm: clients, rooms they spread over, messages each missed. */
  stormClients: number;
  stormRooms: number;
  stormMissed: number;
  /** Longest any single case may take before it is reported as failed. */
  caseTimeoutMs: number;
}

const full: BenchConfig = {
  mode: 'full',
  relayMessages: 50_000,
  relayWarmup: 5_000,
  serverWarmup: 15_000,
  maxInFlight: 200,
  manyReceivers: 50,
  latencySamples: 5_000,
  lightRate: 200,
  appendMs: 5_000,
  appendWarmupMs: 1_000,
  appendConcurrency: [1, 64, 512],
  rawBatch: 100,
  rawInFlight: 8,
  serialBatch: 256,
  historyStream: 1_000_000,
  historyReads: 2_000,
  stormClients: 1_000,
  stormRooms: 10,
  stormMissed: 100,
  caseTimeoutMs: 300_000,
};

const quick: BenchConfig = {
  ...full,
  mode: 'quick',
  relayMessages: 2_000,
  relayWarmup: 1_000,
  // Enough to keep the harness from rotting; a quick run's ratios are indicative only.
  serverWarmup: 2_000,
  latencySamples: 300,
  appendMs: 600,
  appendWarmupMs: 200,
  historyStream: 10_000,
  historyReads: 200,
  stormClients: 200,
  caseTimeoutMs: 60_000,
};

/** The configuration for `--quick` or the full run. */
export function benchConfig(quickRun: boolean): BenchConfig {
  return quickRun ? quick : full;
}

/**
 * FerretDB v1 (the Mongo-protocol server CI runs, SQLite handler) pushes only `_id` lookups down
 * to SQLite and scans the whole collection for every other query, so each append and read costs
 * the collection's size: a page of 50 takes seconds on a few thousand entries. The Mongo subject
 * on FerretDB therefore runs at these reduced sizes (said in every report), never at 1M entries.
 */
export function ferretdbConfig(config: BenchConfig): BenchConfig {
  const quickRun = config.mode === 'quick';
  return {
    ...config,
    relayMessages: quickRun ? 300 : 2_000,
    relayWarmup: quickRun ? 50 : 300,
    // Every warm-up message is one more entry FerretDB scans per query of the later cases.
    serverWarmup: quickRun ? 50 : 300,
    latencySamples: quickRun ? 50 : 300,
    historyStream: 1_000,
    historyReads: quickRun ? 3 : 20,
    stormClients: quickRun ? 50 : 200,
  };
}

/** Whether the Mongo backend talks to FerretDB (no `MONGODB_URL` given: the FerretDB of scripts/services.sh). */
export function mongoIsFerretdb(): boolean {
  return !process.env.MONGODB_URL;
}
