/**
 * What a backend hands the conformance suite.
 */
import type { AppendOptions, BaseStoreOptions, MessageStore, StoreCapabilities, StreamRef } from '@roomlog/core';

/**
 * Options the suite passes to `create()`. A backend must honour every field: the retention
 * tests rely on `maxCount`/`maxAgeMs`, the payload tests on `maxPayloadBytes`, and the
 * time-based tests on `now`, an injectable clock (ms since epoch) that must drive
 * `createdAt`, retention and TTL.
 */
export interface ConformanceStoreOptions extends BaseStoreOptions {}

/** Direct, backend-specific reads of what is physically stored, to check beyond the API. */
export interface ConformanceInspector {
  /**
   * Number of entries physically stored for the stream (including ones retention has yet to
   * remove). The idempotency tests check it holds no duplicates, the retention tests that
   * expired entries really leave the database (see `RETENTION_LAG_ALLOWANCE`).
   */
  storedCount(stream: StreamRef): Promise<number>;
}

/** How a transaction the hook ran ends. */
export type TransactionOutcome = 'commit' | 'rollback';

/**
 * Runs `body` inside a transaction of the backend's own database API and ends it with
 * `outcome`: opens the transaction, calls `body` with the `AppendOptions` that make
 * `store.append` join it (e.g. `{ client }` for PostgreSQL, `{ manager }` for TypeORM), then
 * commits or rolls back, and resolves with what `body` returned. When `body` rejects, the
 * transaction is rolled back and the rejection passed on.
 */
export type ConformanceTransaction = <T>(
  store: MessageStore,
  body: (appendOptions: AppendOptions) => Promise<T>,
  outcome: TransactionOutcome,
) => Promise<T>;

/** Options of `runConformanceSuite` and of each exported test group. */
export interface ConformanceOptions {
  /** Name shown in the report, e.g. `'redis'`. */
  name: string;
  /**
   * Creates a new store instance. Every instance created during one test run must share the
   * same database (the suite uses several instances as several nodes). Tests use random
   * namespaces and rooms, so no wipe is needed between tests. The suite closes each store it
   * created after the test.
   */
  create(options: ConformanceStoreOptions): MessageStore | Promise<MessageStore>;
  /** Runs once after all tests (drop the test schema, disconnect clients). */
  cleanup?: () => void | Promise<void>;
  /** Optional direct reads of the database. */
  inspect?: ConformanceInspector | undefined;
  /**
   * Runs appends inside the caller's transaction; with it (and the `transactions` capability)
   * the transaction tests run.
   */
  transaction?: ConformanceTransaction | undefined;
  /**
   * Whether other store instances cannot see a transaction's appends before it commits. Set
   * `false` for an engine where every instance shares one connection (sql.js), so the check
   * "not visible before commit" is skipped; everything else is still tested.
   * @default true
   */
  isolatesTransactions?: boolean | undefined;
  /**
   * Timeout in ms of the suite's heavy tests (8 instances appending at once, walking a
   * 1,000-entry stream page by page). Raise it for a server that is slow where the suite runs;
   * the tests themselves stay the same.
   * @default 60000
   */
  heavyTestTimeoutMs?: number | undefined;
  /**
   * Scales the sizes of the heavy tests (the 1,000-entry stream walked page by page, the 210
   * messages each of 8 instances appends) by this factor, between 0.1 and 1, for a server that
   * answers correctly but too slowly to run them at full size. Every rule is still tested, on
   * fewer entries; prefer raising {@link heavyTestTimeoutMs} where time allows.
   * @default 1
   */
  heavyTestScale?: number | undefined;
  /**
   * Overrides the capabilities the store declares, e.g. to skip a group while developing.
   * By default the store's own `capabilities` decide which optional groups run.
   */
  capabilities?: Partial<StoreCapabilities> | undefined;
  /**
   * How many random operation sequences the `model` group runs (each up to 40 steps on 3
   * instances, compared with MemoryStore). Raise it for a deeper search before a release.
   * @default 30
   */
  modelRuns?: number | undefined;
  /** Seed of the `model` group's random sequences, to replay a failure it printed. @default random */
  modelSeed?: number | undefined;
}
