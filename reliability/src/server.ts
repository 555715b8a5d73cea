/**
 * The chat server as its own process, so a run can kill it with SIGKILL:
 * `node --import tsx src/server.ts --config '<BackendConfig JSON>' --port N [--timeout-ms N]
 * [--adapter-url redis://… --adapter-key K] [--heal-ms N]`: with an adapter URL the server joins
 * a cluster over `@socket.io/redis-adapter` on that Redis.
 *
 * Over the IPC channel it sends `{ type: 'ready', port }` once it serves, answers
 * `{ type: 'memory' }` with `{ type: 'memory', heapUsed, rss, arrayBuffers }` (bytes; after a
 * full garbage collection when asked `{ type: 'memory', collect: true }`: the server runs with
 * `--expose-gc`), and
 * `{ type: 'calls' }` with `{ type: 'calls', calls }`: how often each store method was called.
 */
import { parseArgs } from 'node:util';
import { startChatServer } from './app';
import { type BackendConfig, DEFAULT_TIMEOUT_MS, openStore } from './backends';

/** Messages the server process sends to its parent. */
export type ServerMessage =
  | { type: 'ready'; port: number }
  | { type: 'memory'; heapUsed: number; rss: number; arrayBuffers: number }
  | { type: 'calls'; calls: Record<string, number> };

const { values } = parseArgs({
  options: {
    config: { type: 'string' },
    port: { type: 'string', default: '0' },
    'timeout-ms': { type: 'string', default: String(DEFAULT_TIMEOUT_MS) },
    'max-queue': { type: 'string' },
    'adapter-url': { type: 'string' },
    'adapter-key': { type: 'string', default: 'socket.io' },
    'heal-ms': { type: 'string' },
  },
});
const config = JSON.parse(values.config ?? '{"kind":"memory"}') as BackendConfig;
const opened = await openStore(config, Number(values['timeout-ms']));
/** Store calls by method name, so a run can tell what reached the database (e.g. no write for a no-op). */
const calls: Record<string, number> = {};
const store = new Proxy(opened.store, {
  get(target, key) {
    const value: unknown = Reflect.get(target, key, target);
    if (typeof value !== 'function' || typeof key !== 'string') return value;
    // Methods use private fields, so they run with the real store as `this`.
    return (...args: unknown[]) => {
      calls[key] = (calls[key] ?? 0) + 1;
      return (value as (...args: unknown[]) => unknown).apply(target, args);
    };
  },
});
const maxQueue = values['max-queue'] === undefined ? undefined : Number(values['max-queue']);
const server = await startChatServer({
  store,
  port: Number(values.port),
  batch: { maxQueue },
  adapter: values['adapter-url'] === undefined ? undefined : await redisAdapter(values['adapter-url'], values['adapter-key']!),
  healIntervalMs: values['heal-ms'] === undefined ? undefined : Number(values['heal-ms']),
});

/** `@socket.io/redis-adapter` on `url`; its connections reconnect on their own when that Redis restarts. */
async function redisAdapter(url: string, key: string) {
  const [{ createAdapter }, { Redis }] = await Promise.all([import('@socket.io/redis-adapter'), import('ioredis')]);
  const pub = new Redis(url, { retryStrategy: () => 100 });
  const sub = pub.duplicate();
  for (const client of [pub, sub]) client.on('error', () => {}); // while a run has that Redis killed
  return createAdapter(pub, sub, { key });
}

const send = (message: ServerMessage) => process.send?.(message);
process.on('message', (request: { type?: unknown; collect?: unknown }) => {
  if (request?.type === 'calls') send({ type: 'calls', calls });
  if (request?.type !== 'memory') return;
  // What is live, not what V8 has not collected yet: the garbage of a flood can be hundreds of MiB.
  if (request.collect === true) (globalThis as { gc?: () => void }).gc?.();
  const { heapUsed, rss, arrayBuffers } = process.memoryUsage();
  send({ type: 'memory', heapUsed, rss, arrayBuffers });
});
// The parent going away (a crashed test run) must not leave this server behind.
process.on('disconnect', () => process.exit(0));
send({ type: 'ready', port: server.port });
