/**
 * The cluster crash run: three chat servers (child processes) behind `@socket.io/redis-adapter`,
 * on one database, clients spread over them sending 8 messages at a time each, while faults
 * land at random moments: a node SIGKILLed (and restarted on its port), the database killed
 * (and restarted), the adapter's Redis killed (and restarted). Afterwards the store is checked
 * against what was acked and what each client was delivered, including per-sender order.
 */
import { randomUUID } from 'node:crypto';
import { type DurableBackend, openStore } from './backends';
import { type OwnedDatabase, freshConfig, startOwnDatabase } from './databases';
import { ackedCount, closeFleet, connectFleet, sendAll } from './fleet';
import { ServerProcess } from './server-process';
import { type RunFigures, verifyRun, waitForDelivery } from './verify';
import { delay, waitForCount } from './wait';

/** A fault the run injects. */
export type ClusterFault = 'node' | 'database' | 'adapter';

/** Options of {@link runClusterCrash}. */
export interface ClusterCrashOptions {
  backend: Exclude<DurableBackend, 'mongo'>;
  /** @default 12 */
  clients?: number | undefined;
  /** Messages each client sends. @default 48 */
  messagesPerClient?: number | undefined;
  /** @default 3 */
  rooms?: number | undefined;
  /** The faults, in the order they land. @default each kind twice */
  faults?: readonly ClusterFault[] | undefined;
  /** How long the database and the adapter's Redis stay down, in ms. @default 1000 */
  downMs?: number | undefined;
  /** The servers' `healIntervalMs`. @default 1000 */
  healIntervalMs?: number | undefined;
}

/** What a cluster crash run measured. */
export interface ClusterCrashReport extends RunFigures {
  backend: DurableBackend;
  faults: Record<ClusterFault, number>;
  /** Longest time from a node's kill to it serving again, in ms. */
  maxRestartMs: number;
  /** From the last send settling to every client holding its room's head, in ms. */
  settleMs: number;
  durationMs: number;
}

/** Runs one cluster crash scenario and returns its figures. Cleans up everything it started. */
export async function runClusterCrash(options: ClusterCrashOptions): Promise<ClusterCrashReport> {
  const clients = options.clients ?? 12;
  const perClient = options.messagesPerClient ?? 48;
  const roomCount = options.rooms ?? 3;
  const faults = options.faults ?? ['node', 'database', 'adapter', 'node', 'database', 'adapter'];
  const downMs = options.downMs ?? 1_000;
  const started = Date.now();
  const owned: OwnedDatabase[] = [];
  const counts: Record<ClusterFault, number> = { node: 0, database: 0, adapter: 0 };
  let nodes: ServerProcess[] = [];
  let members: Awaited<ReturnType<typeof connectFleet>> = [];
  let verifier: Awaited<ReturnType<typeof openStore>> | null = null;
  let maxRestartMs = 0;
  try {
    const database = await startOwnDatabase(options.backend);
    owned.push(database);
    const adapterRedis = await startOwnDatabase('redis');
    owned.push(adapterRedis);
    const config = freshConfig(options.backend, database.url);
    const run = randomUUID().slice(0, 8);
    // 1.5 s driver timeouts: a call against the killed database fails fast and the client retries.
    nodes = [0, 1, 2].map(
      () =>
        new ServerProcess({
          config,
          timeoutMs: 1_500,
          adapter: { url: adapterRedis.url, key: `crash-${run}` },
          healIntervalMs: options.healIntervalMs ?? 1_000,
        }),
    );
    await Promise.all(nodes.map((node) => node.start()));
    verifier = await openStore(config);
    members = await connectFleet({
      url: nodes.map((node) => node.url),
      clients,
      rooms: Array.from({ length: roomCount }, (_, i) => `cluster-${run}-room-${i}`),
      sendTimeoutMs: 120_000,
      userPrefix: `c${run}`,
    });
    let sending = true;
    // A pause between a client's batches stretches the load over the faults.
    const load = sendAll(members, perClient, 250, 8).finally(() => {
      sending = false;
    });
    const total = clients * perClient;
    const points = faults.map((_, i) => Math.floor(((i + 1) * total * 0.8) / (faults.length + 1)));
    for (const [i, fault] of faults.entries()) {
      // Every fault lands: one that comes after the last send (say, the adapter killed after the
      // rooms' last messages) must heal as well.
      await waitForCount('acked messages', () => (sending ? ackedCount(members) : total), points[i]!);
      await delay(Math.random() * 50);
      if (fault === 'node') {
        const node = nodes[Math.floor(Math.random() * nodes.length)]!;
        await node.kill();
        const killedAt = Date.now();
        await node.start();
        maxRestartMs = Math.max(maxRestartMs, Date.now() - killedAt);
      } else {
        const server = fault === 'database' ? database : adapterRedis;
        await server.crash();
        await delay(downMs);
        await server.start();
      }
      counts[fault]++;
    }
    await load;
    const settling = Date.now();
    await waitForDelivery(verifier.store, members);
    const settleMs = Date.now() - settling;
    const figures = await verifyRun(verifier.store, members);
    return { backend: options.backend, ...figures, faults: counts, maxRestartMs, settleMs, durationMs: Date.now() - started };
  } finally {
    closeFleet(members);
    await Promise.all(nodes.map((node) => node.stop()));
    await verifier?.close();
    for (const server of owned) await server.destroy();
  }
}
