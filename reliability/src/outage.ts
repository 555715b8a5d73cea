/**
 * The outage run: the database (a server of the run's own, on its own port) is killed for a few
 * seconds while clients send. Sends must fail fast with `UNAVAILABLE` (never hang past the
 * driver timeout), the server's memory must stay bounded, and once the database is back the
 * clients' retries must store every message exactly once.
 */
import { randomUUID } from 'node:crypto';
import { type Socket, io } from 'socket.io-client';
import { type DurableBackend, openStore } from './backends';
import { freshConfig, startOwnDatabase } from './databases';
import { ackedCount, closeFleet, connectFleet, sendAll } from './fleet';
import { ServerProcess } from './server-process';
import { type RunFigures, brokenPromise, verifyRun, waitForDelivery } from './verify';
import { delay, waitFor } from './wait';

/** Options of {@link runOutage}. */
export interface OutageOptions {
  backend: DurableBackend;
  /** @default 20 */
  clients?: number | undefined;
  /** Messages each client sends (one every 100 ms). @default 30 */
  messagesPerClient?: number | undefined;
  /** How long the database stays down, in ms. @default 3000 */
  outageMs?: number | undefined;
  /** The server's driver timeout for an unreachable database, in ms. @default 1500 */
  timeoutMs?: number | undefined;
  /** The batcher's `maxQueue` on the server. @default 500 */
  maxQueue?: number | undefined;
}

/** Timings and memory of an outage run. */
export interface OutageTimings {
  outageMs: number;
  timeoutMs: number;
  /** Raw sends made while the database was down. */
  probes: number;
  /** Of those, answered `{ ok: false, error: { code: 'UNAVAILABLE' } }`. */
  probesUnavailable: number;
  /** Slowest answer to a probe, in ms. */
  probeMaxAckMs: number;
  /** Server heap before the outage and at its peak during it, in MiB. */
  heapBaselineMiB: number;
  heapPeakMiB: number;
  /** From the database answering again to the last client send resolving, in ms. */
  recoveryMs: number;
}

/** What an outage run measured and whether it met every expectation. */
export interface OutageReport {
  figures: RunFigures;
  timings: OutageTimings;
  /** Which expectations failed (empty when it passed). */
  problems: string[];
  passed: boolean;
}

/** How far the server heap may grow during the outage, in MiB: room for GC timing, far below an unbounded queue. */
const HEAP_GROWTH_LIMIT_MIB = 64;

/**
 * Longest acceptable wait for an answer while the database is down: the batch in flight (one
 * driver timeout, since the batcher runs one call at a time), then the probe's own batch (a
 * second one), plus 1 s for a loaded machine. Drivers that learn of the outage at once
 * (connection refused) answer in milliseconds; MongoDB's server selection waits the full timeout.
 */
export function maxAckMs(timeoutMs: number): number {
  return 2 * timeoutMs + 1_000;
}

const mib = (bytes: number) => Math.round((bytes / 2 ** 20) * 10) / 10;

/** Runs one outage scenario. Cleans up everything it started. */
export async function runOutage(options: OutageOptions): Promise<OutageReport> {
  const clients = options.clients ?? 20;
  const perClient = options.messagesPerClient ?? 30;
  const outageMs = options.outageMs ?? 3_000;
  const timeoutMs = options.timeoutMs ?? 1_500;
  const database = await startOwnDatabase(options.backend);
  const config = freshConfig(options.backend, database.url);
  const server = new ServerProcess({ config, timeoutMs, maxQueue: options.maxQueue ?? 500 });
  const run = randomUUID().slice(0, 8);
  const probeRoom = `outage-${run}-probe`;
  let raw: Socket | null = null;
  let members: Awaited<ReturnType<typeof connectFleet>> = [];
  try {
    await server.start();
    members = await connectFleet({
      url: server.url,
      clients,
      rooms: Array.from({ length: 4 }, (_, i) => `outage-${run}-room-${i}`),
      sendTimeoutMs: 60_000,
      userPrefix: `o${run}`,
    });
    raw = io(server.url, { forceNew: true, transports: ['websocket'], auth: { user: `probe-${run}`, rooms: [probeRoom] } });
    const probe = raw;
    await waitFor('the probe socket to connect', () => probe.connected);
    const baseline = await server.memory();
    let heapPeak = baseline.heapUsed;

    const load = sendAll(members, perClient, 100);
    await waitFor('a third of the messages acked', () => ackedCount(members) >= (clients * perClient) / 3, 60_000);
    await database.crash();
    const down = Date.now();
    const answers: { code: string | null; ms: number }[] = [];
    while (Date.now() - down < outageMs) {
      const sentAt = Date.now();
      const answer = (await probe
        .timeout(timeoutMs + 5_000)
        .emitWithAck('chat', { room: probeRoom, data: { probe: answers.length }, clientMessageId: `probe-${answers.length}` })
        .catch(() => null)) as { ok?: boolean; error?: { code?: string } } | null;
      answers.push({ code: answer?.ok === false ? (answer.error?.code ?? null) : answer ? 'OK' : 'NO ANSWER', ms: Date.now() - sentAt });
      heapPeak = Math.max(heapPeak, (await server.memory()).heapUsed);
      await delay(100);
    }
    await database.start();
    const up = Date.now();
    await load;
    const recoveryMs = Date.now() - up;

    const verifier = await openStore(config);
    try {
      await waitForDelivery(verifier.store, members);
      const figures = await verifyRun(verifier.store, members);
      const timings: OutageTimings = {
        outageMs: up - down,
        timeoutMs,
        probes: answers.length,
        probesUnavailable: answers.filter((a) => a.code === 'UNAVAILABLE').length,
        probeMaxAckMs: Math.max(0, ...answers.map((a) => a.ms)),
        heapBaselineMiB: mib(baseline.heapUsed),
        heapPeakMiB: mib(heapPeak),
        recoveryMs,
      };
      const problems = [
        timings.probes > 0 && timings.probesUnavailable === timings.probes ? null : `probes during the outage: ${JSON.stringify(answers)}`,
        timings.probeMaxAckMs <= maxAckMs(timeoutMs) ? null : `a probe waited ${timings.probeMaxAckMs} ms (timeout ${timeoutMs} ms)`,
        timings.heapPeakMiB - timings.heapBaselineMiB <= HEAP_GROWTH_LIMIT_MIB
          ? null
          : `heap grew from ${timings.heapBaselineMiB} to ${timings.heapPeakMiB} MiB`,
        brokenPromise(figures),
      ].filter((p): p is string => p !== null);
      return { figures, timings, problems, passed: problems.length === 0 };
    } finally {
      await verifier.close();
    }
  } finally {
    raw?.disconnect();
    closeFleet(members);
    await server.stop();
    await database.destroy();
  }
}
