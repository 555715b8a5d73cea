/**
 * `@roomlog/conformance`: the published suite that proves a `MessageStore` keeps every rule
 * of the Roomlog contract. Run it from your own vitest test file with `runConformanceSuite`,
 * pick single groups, or run the `roomlog-conformance` CLI against a store factory module.
 * The end-to-end Socket.IO suite is the separate entry `@roomlog/conformance/e2e`, so this one
 * needs none of the optional peers (`socket.io`, `socket.io-client`, `@roomlog/client`).
 */
export { runConformanceSuite, CONFORMANCE_GROUPS, type ConformanceSelection } from './suite';
export { CONFORMANCE_GROUP_NAMES, type ConformanceGroupName } from './group-names';
export { optionsFromModule } from './factory-module';
export type { ConformanceGroup } from './harness';
export type {
  ConformanceInspector,
  ConformanceOptions,
  ConformanceStoreOptions,
  ConformanceTransaction,
  TransactionOutcome,
} from './options';
export { manualClock, type ManualClock } from './clock';
export { validationTests, HOSTILE_ROOM_NAMES } from './groups/validation';
export { sequenceTests } from './groups/sequence';
export { appendTests } from './groups/append';
export { idempotencyTests } from './groups/idempotency';
export { readTests } from './groups/read';
export { headTests } from './groups/head';
export { editDeleteTests } from './groups/edit-delete';
export {
  retentionTests,
  RETENTION_EXPIRED_BACKLOG,
  RETENTION_LAG_ALLOWANCE,
  RETENTION_SETTLE_WRITES,
} from './groups/retention';
export { cursorTests } from './groups/cursors';
export { eraseTests } from './groups/erase';
export { fidelityTests } from './groups/fidelity';
export { errorTests } from './groups/errors';
export { readYourWritesTests } from './groups/read-your-writes';
export { concurrencyTests } from './groups/concurrency';
export { transactionTests } from './groups/transactions';
export { importTests } from './groups/import';
export { streamTests } from './groups/streams';
export { healthTests } from './groups/health';
export { namespaceTests } from './groups/namespaces';
export { instanceTests } from './groups/instances';
export { sideEffectTests } from './groups/side-effects';
export { ownershipTests } from './groups/ownership';
export { modelTests, DEFAULT_MODEL_RUNS, MODEL_INSTANCES } from './groups/model';
