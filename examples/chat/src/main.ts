/**
 * `pnpm demo`: starts the chat. Run `pnpm demo --help` for the options.
 */
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { startChatServer } from './server';
import { STORE_KINDS, isStoreKind, openStore } from './stores';

const USAGE = `pnpm demo [options]
  --store sqlite|redis|postgres|mongo|memory   default sqlite (a file under --data-dir)
  --port N                                     default 3000 (or $PORT)
  --host ADDRESS                               default 127.0.0.1
  --data-dir DIR                               default ./.roomlog-demo (relative to where pnpm ran)
Redis, PostgreSQL and MongoDB are reached at REDIS_URL, DATABASE_URL and MONGODB_URL.`;

const { values } = parseArgs({
  options: {
    help: { type: 'boolean', default: false },
    store: { type: 'string', default: 'sqlite' },
    port: { type: 'string', default: process.env.PORT ?? '3000' },
    host: { type: 'string', default: '127.0.0.1' },
    'data-dir': { type: 'string', default: '.roomlog-demo' },
  },
});

if (values.help) {
  console.log(USAGE);
  process.exit(0);
}
const kind = values.store;
const port = Number(values.port);
if (!isStoreKind(kind)) {
  console.error(`--store must be one of ${STORE_KINDS.join(', ')}`);
  process.exit(2);
}
if (!Number.isInteger(port) || port < 0 || port > 65_535) {
  console.error('--port must be a port number');
  process.exit(2);
}

// pnpm runs the script inside examples/chat; INIT_CWD is where the user typed `pnpm demo`.
const dataDir = resolve(process.env.INIT_CWD ?? process.cwd(), values['data-dir']);
/** Startup failures end the process with one line saying what to do, not a stack trace. */
function exitWith(message: string, error: unknown): never {
  console.error(`${message}: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
}

const opened = await openStore(kind, dataDir).catch((error: unknown) =>
  exitWith(`could not open the ${kind} store (is it running, and its URL variable right? see --help)`, error),
);
const server = await startChatServer({ store: opened.store, storeDescription: opened.description, port, host: values.host }).catch(
  (error: unknown) => exitWith(`could not listen on ${values.host}:${port} (pick another port with --port)`, error),
);
console.log(`Roomlog chat on ${server.url}`);
console.log(`store: ${opened.description}`);

let stopping = false;
async function stop(): Promise<void> {
  if (stopping) return;
  stopping = true;
  await server.close();
  await opened.close();
  process.exit(0);
}
process.on('SIGINT', () => void stop());
process.on('SIGTERM', () => void stop());
