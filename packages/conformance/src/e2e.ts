/**
 * `@roomlog/conformance/e2e`: the end-to-end suite. Real Socket.IO servers and clients over a
 * store, on loopback. Needs the optional peers `socket.io`, `socket.io-client` and `@roomlog/client`.
 */
export { runEndToEndSuite } from './e2e/suite';
export type { AdapterSetup, EndToEndFaults, EndToEndOptions } from './e2e/options';
