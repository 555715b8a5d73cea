/**
 * The chat server as its own process, so a run can kill it with SIGKILL:
 * `node --import tsx src/server.ts --config '<BackendConfig JSON>' --port N [--timeout-ms N]`.
 *
 * Over the IPC channel it sends `{ type: 'ready', port }` once it serves, and answers
 * `{ type: 'memory' }` with `{ type: 'memory', heapUsed, rss }` (bytes).
 */
import { parseArgs } from 'node:util';
import { startChatServer } from './app';
import { type BackendConfig, DEFAULT_TIMEOUT_MS, openStore } from './backends';

/** Messages the server process sends to its parent. */
export type ServerMessage = { type: 'ready'; port: number } | { type: 'memory'; heapUsed: number; rss: number };

const { values } = parseArgs({
  options: {
    config: { type: 'string' },
    port: { type: 'string', default: '0' },
    'timeout-ms': { type: 'string', default: String(DEFAULT_TIMEOUT_MS) },
    'max-queue': { type: 'string' },
  },
});
const config = JSON.parse(values.config ?? '{"kind":"memory"}') as BackendConfig;
const { store } = await openStore(config, Number(values['timeout-ms']));
const maxQueue = values['max-queue'] === undefined ? undefined : Number(values['max-queue']);
const server = await startChatServer({ store, port: Number(values.port), batch: { maxQueue } });

const send = (message: ServerMessage) => process.send?.(message);
process.on('message', (request: { type?: unknown }) => {
  if (request?.type !== 'memory') return;
  const { heapUsed, rss } = process.memoryUsage();
  send({ type: 'memory', heapUsed, rss });
});
// The parent going away (a crashed test run) must not leave this server behind.
process.on('disconnect', () => process.exit(0));
send({ type: 'ready', port: server.port });
