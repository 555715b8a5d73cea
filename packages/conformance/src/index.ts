/**
 * `@roomlog/conformance`: the published suite that proves a `MessageStore` keeps every rule
 * of the Roomlog contract. Run it from your own vitest test file with `runConformanceSuite`,
 * pick single groups, or run the `roomlog-conformance` CLI against a store factory module.
 * `runEndToEndSuite` runs real Socket.IO servers and clients over a store (needs the optional
 * peers `socket.io`, `socket.io-client` and `@roomlog/client`; `@roomlog/conformance/stores`
 * is the entry without it).
 */
export * from './stores';
export { runEndToEndSuite } from './e2e/suite';
export type { AdapterSetup, EndToEndOptions } from './e2e/options';
