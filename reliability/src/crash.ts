/**
 * The crash run: the chat server runs as a child process on a real backend, a fleet of clients
 * sends messages with acks and retries, and the server is killed with SIGKILL at random moments
 * while they do (and restarted on the same port). Afterwards the store is checked against what
 * was acked and what each client was delivered.
 */
import { randomUUID } from 'node:crypto';
import { type BackendConfig, type DurableBackend, openStore } from './backends';
import { SHARED_URLS, type OwnedDatabase, dropData, freshConfig, startOwnDatabase } from './databases';
import { ackedCount, closeFleet, connectFleet, sendAll } from './fleet';
import { ServerProcess } from './server-process';
import { type RunFigures, verifyRun, waitForDelivery } from './verify';
import { delay, waitForCount } from './wait';

/** Options of {@link runCrash}. */
export interface CrashOptions {
  backend: DurableBackend;
  /** @default 20 */
  clients?: number | undefined;
  /** Messages each client sends. @default 100 */
  messagesPerClient?: number | undefined;
  /** @default 4 */
  rooms?: number | undefined;
  /** SIGKILLs of the server during the run. @default 5 */
  kills?: number | undefined;
}

/** What a crash run measured. */
export interface CrashReport extends RunFigures {
  backend: DurableBackend;
  kills: number;
  /** Longest time from a kill to the restarted server serving, in ms. */
  maxRestartMs: number;
  durationMs: number;
}

/**
 * The backend for a crash run. Redis runs on a server of its own with `appendfsync always`
 * (the shared one has no persistence); PostgreSQL and Mongo use the shared servers, since only
 * the Roomlog server dies here.
 */
async function crashBackend(kind: DurableBackend): Promise<{ config: BackendConfig; done(): Promise<void> }> {
  if (kind === 'redis') {
    const own: OwnedDatabase = await startOwnDatabase('redis');
    return { config: freshConfig('redis', own.url), done: () => own.destroy() };
  }
  const config = freshConfig(kind, SHARED_URLS[kind]);
  // ROOMLOG_RELIABILITY_KEEP=1 leaves the data in place for a post-mortem of a failed run.
  if (process.env.ROOMLOG_RELIABILITY_KEEP === '1') console.error(`[reliability] keeping ${JSON.stringify(config)}`);
  return { config, done: () => (process.env.ROOMLOG_RELIABILITY_KEEP === '1' ? Promise.resolve() : dropData(config)) };
}

/** Acked counts at which to kill: `kills` random points in the first 90% of the run, ascending. */
function killPoints(kills: number, total: number): number[] {
  return Array.from({ length: kills }, () => 1 + Math.floor(Math.random() * total * 0.9)).sort((a, b) => a - b);
}

/** Runs one crash scenario and returns its figures. Cleans up everything it started. */
export async function runCrash(options: CrashOptions): Promise<CrashReport> {
  const clients = options.clients ?? 20;
  const perClient = options.messagesPerClient ?? 100;
  const roomCount = options.rooms ?? 4;
  const kills = options.kills ?? 5;
  const started = Date.now();
  const backend = await crashBackend(options.backend);
  const server = new ServerProcess({ config: backend.config });
  const verifier = await openStore(backend.config);
  let maxRestartMs = 0;
  let members: Awaited<ReturnType<typeof connectFleet>> = [];
  try {
    await server.start();
    const run = randomUUID().slice(0, 8);
    members = await connectFleet({
      url: server.url,
      clients,
      rooms: Array.from({ length: roomCount }, (_, i) => `crash-${run}-room-${i}`),
      sendTimeoutMs: 120_000,
      userPrefix: `u${run}`,
    });
    let sending = true;
    const load = sendAll(members, perClient).finally(() => {
      sending = false;
    });
    const total = clients * perClient;
    for (const point of killPoints(kills, total)) {
      // Once every send settled, `total` stands in for the count so the wait ends.
      await waitForCount('acked messages', () => (sending ? ackedCount(members) : total), point);
      if (!sending) break;
      await delay(Math.random() * 50);
      await server.kill();
      const killedAt = Date.now();
      await server.start();
      maxRestartMs = Math.max(maxRestartMs, Date.now() - killedAt);
    }
    await load;
    await waitForDelivery(verifier.store, members);
    const figures = await verifyRun(verifier.store, members);
    return { backend: options.backend, ...figures, kills: server.kills, maxRestartMs, durationMs: Date.now() - started };
  } finally {
    closeFleet(members);
    await server.stop();
    await verifier.close();
    await backend.done();
  }
}
