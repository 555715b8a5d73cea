/**
 * `@roomlog/conformance/stores`: the store conformance suite alone. Same exports as the main
 * entry minus the end-to-end Socket.IO suite, so it needs neither `socket.io`,
 * `socket.io-client` nor `@roomlog/client` (the CLI loads this entry).
 */
export { runConformanceSuite, CONFORMANCE_GROUPS, type ConformanceSelection } from './suite';
export { CONFORMANCE_GROUP_NAMES, type ConformanceGroupName } from './group-names';
export { optionsFromModule } from './factory-module';
export type { ConformanceGroup } from './harness';
export type { ConformanceInspector, ConformanceOptions, ConformanceStoreOptions } from './options';
export { manualClock, type ManualClock } from './clock';
export { validationTests, HOSTILE_ROOM_NAMES } from './groups/validation';
export { sequenceTests } from './groups/sequence';
export { appendTests } from './groups/append';
export { idempotencyTests } from './groups/idempotency';
export { readTests } from './groups/read';
export { headTests } from './groups/head';
export { editDeleteTests } from './groups/edit-delete';
export { retentionTests } from './groups/retention';
export { cursorTests } from './groups/cursors';
export { eraseTests } from './groups/erase';
export { fidelityTests } from './groups/fidelity';
export { errorTests } from './groups/errors';
export { readYourWritesTests } from './groups/read-your-writes';
export { concurrencyTests } from './groups/concurrency';
