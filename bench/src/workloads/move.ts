/**
 * The move: `roomlog export <redis> | roomlog import <postgres>` as two real processes joined
 * by a pipe, the way an operator runs it. Measures entries per second end to end and the peak
 * resident memory of each side (sampled from /proc), which must stay flat whatever the size:
 * both sides hold one page or one batch of 1000 entries at a time. The full run moves 1,000,000
 * entries (10 rooms of 100,000); the quick run 5,000, so CI keeps the harness alive.
 * Writes `bench/results/<stamp>-move.json`; asserts nothing about speed, only that the target's
 * heads equal the source's.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { MessageStore, StreamRef } from '@roomlog/core';
import { newRunId, urls } from '../env';

const ROOMS = 10;
const SEED_BATCH = 1000;

/** What the move measured. */
export interface MoveResult {
  entries: number;
  rooms: number;
  seconds: number;
  entriesPerSecond: number;
  /** Peak resident set of `roomlog export`, MiB. */
  exportPeakRssMiB: number;
  /** Peak resident set of `roomlog import`, MiB. */
  importPeakRssMiB: number;
}

const repo = fileURLToPath(new URL('../../../', import.meta.url));
const builtCli = `${repo}packages/cli/dist/cli.js`;

/** The CLI as built by `pnpm build`, or from source through tsx when it was not built. */
function cliCommand(args: readonly string[]): string[] {
  return existsSync(builtCli) ? [builtCli, ...args] : ['--import', 'tsx', `${repo}packages/cli/src/cli.ts`, ...args];
}

/** Peak VmRSS of a running process in MiB so far (Linux); 0 where /proc is absent. */
async function rssMiB(pid: number): Promise<number> {
  try {
    const status = await readFile(`/proc/${pid}/status`, 'utf8');
    const match = /VmHWM:\s+(\d+) kB/.exec(status) ?? /VmRSS:\s+(\d+) kB/.exec(status);
    return match ? Number(match[1]) / 1024 : 0;
  } catch {
    return 0;
  }
}

async function seed(store: MessageStore, namespace: string, perRoom: number, log: (message: string) => void): Promise<StreamRef[]> {
  const rooms = Array.from({ length: ROOMS }, (_, i) => ({ namespace, room: `room-${i}` }));
  for (const [r, stream] of rooms.entries()) {
    for (let from = 0; from < perRoom; from += SEED_BATCH) {
      const size = Math.min(SEED_BATCH, perRoom - from);
      await store.append(
        Array.from({ length: size }, (_, i) => ({
          ...stream,
          event: 'chat',
          data: { text: `message ${from + i} of a room being moved`, n: from + i, ...(i % 50 === 0 ? { bytes: Buffer.alloc(32, i) } : {}) },
          senderId: `user-${(from + i) % 97}`,
          clientMessageId: `c-${r}-${from + i}`,
        })),
      );
    }
    log(`move: seeded ${stream.room} (${perRoom.toLocaleString('en-US')} entries)`);
  }
  return rooms;
}

/** Runs the pipeline and samples both processes' memory until they exit. */
function pipeline(source: string, target: string): Promise<{ seconds: number; exportPeak: number; importPeak: number }> {
  const started = performance.now();
  const exporter = spawn(process.execPath, cliCommand(['export', source]), { stdio: ['ignore', 'pipe', 'inherit'] });
  const importer = spawn(process.execPath, cliCommand(['import', target]), { stdio: ['pipe', 'inherit', 'inherit'] });
  exporter.stdout.pipe(importer.stdin);
  let exportPeak = 0;
  let importPeak = 0;
  const sampler = setInterval(() => {
    if (exporter.pid) void rssMiB(exporter.pid).then((v) => (exportPeak = Math.max(exportPeak, v)));
    if (importer.pid) void rssMiB(importer.pid).then((v) => (importPeak = Math.max(importPeak, v)));
  }, 50);
  const exited = (child: { on(event: 'close', listener: (code: number | null) => void): unknown }, name: string) =>
    new Promise<void>((resolve, reject) =>
      child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`roomlog ${name} exited ${code}`)))),
    );
  return Promise.all([exited(exporter, 'export'), exited(importer, 'import')])
    .then(() => ({ seconds: (performance.now() - started) / 1000, exportPeak, importPeak }))
    .finally(() => clearInterval(sampler));
}

/**
 * Seeds Redis, moves it to PostgreSQL through the CLI, checks every room's head arrived, and
 * removes what it created.
 */
export async function runMoveWorkload(quick: boolean, log: (message: string) => void): Promise<MoveResult> {
  const perRoom = quick ? 500 : 100_000;
  const id = newRunId('move');
  const [{ createRedisStore }, { createPostgresStore }, { Redis }, { default: pg }] = await Promise.all([
    import('@roomlog/redis'),
    import('@roomlog/postgres'),
    import('ioredis'),
    import('pg'),
  ]);
  const redis = new Redis(urls.redis);
  const pool = new pg.Pool({ connectionString: urls.postgres, max: 4 });
  const source = createRedisStore(redis, { prefix: id });
  const target = createPostgresStore(pool, { schema: id });
  const sourceUrl = `${urls.redis}${urls.redis.endsWith('/') ? '' : '/'}?prefix=${id}`;
  const targetUrl = `${urls.postgres}${urls.postgres.includes('?') ? '&' : '?'}schema=${id}`;
  try {
    const rooms = await seed(source, `/${id}`, perRoom, log);
    const run = await pipeline(sourceUrl, targetUrl);
    for (const stream of rooms) {
      const [from, to] = await Promise.all([source.head(stream), target.head(stream)]);
      if (JSON.stringify(from) !== JSON.stringify(to))
        throw new Error(`move: ${stream.room} arrived with head ${JSON.stringify(to)}, expected ${JSON.stringify(from)}`);
    }
    const entries = perRoom * ROOMS;
    const result: MoveResult = {
      entries,
      rooms: ROOMS,
      seconds: Number(run.seconds.toFixed(2)),
      entriesPerSecond: Math.round(entries / run.seconds),
      exportPeakRssMiB: Number(run.exportPeak.toFixed(1)),
      importPeakRssMiB: Number(run.importPeak.toFixed(1)),
    };
    log(`move: ${JSON.stringify(result)}`);
    const dir = `${repo}bench/results`;
    await mkdir(dir, { recursive: true });
    const stamp = new Date().toISOString().slice(0, 16).replace(/:/g, '');
    await writeFile(
      `${dir}/${stamp}Z${quick ? '-quick' : ''}-move.json`,
      `${JSON.stringify({ command: 'pnpm bench --workloads=move', quick, ...result }, null, 2)}\n`,
    );
    return result;
  } finally {
    for (const stream of (await source.listStreams({ limit: 1000 }).catch(() => ({ streams: [] }))).streams)
      await source.dropStream(stream).catch(() => false);
    await pool.query(`DROP SCHEMA IF EXISTS "${id}" CASCADE`).catch(() => undefined);
    await source.close();
    await target.close();
    await pool.end();
    await redis.quit();
  }
}
