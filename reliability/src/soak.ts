/**
 * The soak: many clients in many rooms send at a steady rate for a fixed time against the chat
 * server in a child process. Reports ack latency (p50/p99, retries included) and the server's
 * memory over time, and checks that memory levels off and nothing acked was lost.
 */
import { randomUUID } from 'node:crypto';
import { type DurableBackend, openStore } from './backends';
import { SHARED_URLS, dropData, freshConfig } from './databases';
import { type Member, closeFleet, connectFleet, sendOne } from './fleet';
import { type MemorySample, ServerProcess } from './server-process';
import { type RunFigures, brokenPromise, verifyRun, waitForDelivery } from './verify';
import { delay } from './wait';

/** Options of {@link runSoak}. */
export interface SoakOptions {
  /** Backend on the shared server, under a fresh prefix/schema/database. @default 'redis' */
  backend?: DurableBackend | undefined;
  /** How long clients send, in seconds. @default 60 */
  seconds?: number | undefined;
  /** @default 200 */
  clients?: number | undefined;
  /** @default 20 */
  rooms?: number | undefined;
  /** Messages per second each client sends. @default 1 */
  ratePerClient?: number | undefined;
  /** Receives one printable line per memory sample. */
  onSample?: ((line: string) => void) | undefined;
}

/** One memory sample of the server process. */
export interface SoakSample extends MemorySample {
  /** Seconds since the clients started sending. */
  at: number;
}

/** What a soak measured. */
export interface SoakReport {
  figures: RunFigures;
  /** Entries delivered to clients in total. */
  delivered: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  samples: SoakSample[];
  problems: string[];
  passed: boolean;
  /** The figures as one printable line. */
  summary: string;
}

const mib = (bytes: number) => (bytes / 2 ** 20).toFixed(1);

/** The `q` quantile (0–1) of ascending `sorted`. */
function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

/**
 * True when heap growth levels off: after a warm-up fifth, the peak of the last third of the
 * samples is at most 1.5× the peak of the first third plus 16 MiB (GC sawtooth allowance).
 * A leak of even a few hundred bytes per message grows past that within a minute.
 */
export function levelsOff(samples: readonly SoakSample[]): boolean {
  const steady = samples.slice(Math.floor(samples.length / 5));
  if (steady.length < 3) return true;
  const third = Math.ceil(steady.length / 3);
  const peak = (part: readonly SoakSample[]) => Math.max(...part.map((s) => s.heapUsed));
  return peak(steady.slice(-third)) <= peak(steady.slice(0, third)) * 1.5 + 16 * 2 ** 20;
}

/** Sends at `ratePerClient` per second until `endAt` (ms timestamp), starting at a random offset. */
async function paced(member: Member, ratePerClient: number, endAt: number): Promise<void> {
  const interval = 1000 / ratePerClient;
  await delay(Math.random() * interval);
  for (let n = 0; Date.now() < endAt; n++) {
    const started = Date.now();
    await sendOne(member, n);
    await delay(interval - (Date.now() - started));
  }
}

/** Runs the soak. Cleans up everything it started. */
export async function runSoak(options: SoakOptions = {}): Promise<SoakReport> {
  const backend = options.backend ?? 'redis';
  const seconds = options.seconds ?? 60;
  const clients = options.clients ?? 200;
  const roomCount = options.rooms ?? 20;
  const rate = options.ratePerClient ?? 1;
  const config = freshConfig(backend, SHARED_URLS[backend]);
  const server = new ServerProcess({ config });
  let members: Member[] = [];
  try {
    await server.start();
    const run = randomUUID().slice(0, 8);
    members = await connectFleet({
      url: server.url,
      clients,
      rooms: Array.from({ length: roomCount }, (_, i) => `soak-${run}-room-${i}`),
      sendTimeoutMs: 30_000,
      userPrefix: `s${run}`,
    });
    const start = Date.now();
    const endAt = start + seconds * 1000;
    const load = Promise.all(members.map((member) => paced(member, rate, endAt)));
    const samples: SoakSample[] = [];
    const every = Math.max(500, (seconds * 1000) / 30);
    while (Date.now() < endAt) {
      await delay(every);
      const sample = { at: (Date.now() - start) / 1000, ...(await server.memory()) };
      samples.push(sample);
      const acked = members.reduce((sum, m) => sum + m.sent.filter((s) => s.seq !== null).length, 0);
      options.onSample?.(`soak t=${sample.at.toFixed(1)}s heap=${mib(sample.heapUsed)}MiB rss=${mib(sample.rss)}MiB acked=${acked}`);
    }
    await load;
    const verifier = await openStore(config);
    try {
      await waitForDelivery(verifier.store, members);
      const figures = await verifyRun(verifier.store, members);
      const latencies = members
        .flatMap((m) => m.sent.map((s) => s.latencyMs))
        .filter((ms): ms is number => ms !== null)
        .sort((a, b) => a - b);
      const delivered = members.reduce((sum, m) => sum + m.delivered.length, 0);
      const report = {
        figures,
        delivered,
        p50Ms: Math.round(quantile(latencies, 0.5) * 10) / 10,
        p99Ms: Math.round(quantile(latencies, 0.99) * 10) / 10,
        maxMs: Math.round(quantile(latencies, 1) * 10) / 10,
        samples,
      };
      const problems = [
        levelsOff(samples) ? null : `server heap does not level off: ${samples.map((s) => mib(s.heapUsed)).join(' ')}`,
        brokenPromise(figures),
      ].filter((p): p is string => p !== null);
      const heaps = samples.map((s) => mib(s.heapUsed)).join(' ');
      const summary =
        `soak ${backend}: ${seconds}s ${clients} clients ${roomCount} rooms ${rate}/s each: acked=${figures.acked} ` +
        `delivered=${delivered} p50=${report.p50Ms}ms p99=${report.p99Ms}ms max=${report.maxMs}ms lost=${figures.lost} ` +
        `duplicates=${figures.duplicates} heap MiB over time: ${heaps}`;
      return { ...report, problems, passed: problems.length === 0, summary };
    } finally {
      await verifier.close();
    }
  } finally {
    closeFleet(members);
    await server.stop();
    await dropData(config);
  }
}
