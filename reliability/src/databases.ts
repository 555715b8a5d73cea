/**
 * Database servers a run owns: started on a free loopback port in a temp dir, killed and
 * restarted at will, removed at the end. The shared servers of `scripts/services.sh` are never
 * stopped; runs that only kill the Roomlog server use them with a random schema or database.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chownSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import mongoose from 'mongoose';
import pg from 'pg';
import type { BackendConfig, DurableBackend } from './backends';
import { waitFor } from './wait';

const run = promisify(execFile);

/** The shared servers (see `scripts/services.sh`). */
export const SHARED_URLS = {
  redis: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
  postgres: process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test',
  mongo: (process.env.MONGODB_URL ?? 'mongodb://127.0.0.1:27017').replace(/\/+$/, ''),
} as const;

/** A free TCP port on loopback. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** Random lowercase letters: valid in every backend's names (FerretDB allows letters only in some). */
export function randomName(prefix: string): string {
  const letters = [...randomBytes(12)].map((byte) => String.fromCharCode(97 + (byte % 26))).join('');
  return `${prefix}${letters}`;
}

/** A database server this run owns. */
export interface OwnedDatabase {
  readonly kind: DurableBackend;
  /** Connection URL (without a database name for Mongo). */
  readonly url: string;
  /** Starts (or restarts, keeping the data dir) and waits until it answers. */
  start(): Promise<void>;
  /** Stops it the hard way (a crash: no clean shutdown) and waits until it is gone. */
  crash(): Promise<void>;
  /** Stops it and deletes its data dir. */
  destroy(): Promise<void>;
}

async function killChild(child: ChildProcess | null): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGKILL');
  await exited;
}

/** Answers `true` when `check` resolves truthy, `false` when it throws. */
async function answers(check: () => Promise<unknown>): Promise<boolean> {
  try {
    return Boolean(await check());
  } catch {
    return false;
  }
}

/**
 * A redis-server with `appendfsync always`: a write is in the AOF on disk before Redis replies,
 * so an acked message survives a kill of Redis itself.
 */
async function ownRedis(): Promise<OwnedDatabase> {
  const dir = mkdtempSync(join(tmpdir(), 'roomlog-rel-redis-'));
  const port = await freePort();
  const url = `redis://127.0.0.1:${port}`;
  let child: ChildProcess | null = null;
  const args = [
    '--port',
    String(port),
    '--bind',
    '127.0.0.1',
    '--dir',
    dir,
    '--save',
    '',
    '--appendonly',
    'yes',
    '--appendfsync',
    'always',
  ];
  return {
    kind: 'redis',
    url,
    async start() {
      child = spawn('redis-server', args, { stdio: 'ignore' });
      await waitFor(`redis-server on ${port}`, () =>
        answers(async () => {
          const probe = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
          probe.on('error', () => {});
          try {
            await probe.connect();
            // LOADING replies until the AOF is replayed.
            return (await probe.ping()) === 'PONG';
          } finally {
            probe.disconnect();
          }
        }),
      );
    },
    async crash() {
      await killChild(child);
      child = null;
    },
    async destroy() {
      await killChild(child);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The directory holding `initdb`/`pg_ctl` of the installed PostgreSQL. */
function postgresBin(): string {
  const versions = readdirSync('/usr/lib/postgresql').sort((a, b) => Number(b) - Number(a));
  if (!versions[0]) throw new Error('no PostgreSQL under /usr/lib/postgresql');
  return `/usr/lib/postgresql/${versions[0]}/bin`;
}

/** Runs a PostgreSQL tool as the `postgres` user when we are root (initdb refuses root). */
function asPostgres(tool: string, args: string[]): Promise<unknown> {
  const command = join(postgresBin(), tool);
  if (process.getuid?.() !== 0) return run(command, args);
  const quoted = [command, ...args].map((part) => `'${part.replaceAll("'", "'\\''")}'`).join(' ');
  return run('su', ['postgres', '-s', '/bin/sh', '-c', quoted]);
}

/** A PostgreSQL cluster of our own (initdb + pg_ctl), `fsync` on as in production. */
async function ownPostgres(): Promise<OwnedDatabase> {
  const dir = mkdtempSync(join(tmpdir(), 'roomlog-rel-pg-'));
  if (process.getuid?.() === 0) {
    const { uid, gid } = await run('id', ['-u', 'postgres']).then(async ({ stdout }) => ({
      uid: Number(stdout.trim()),
      gid: Number((await run('id', ['-g', 'postgres'])).stdout.trim()),
    }));
    chownSync(dir, uid, gid);
  }
  const data = join(dir, 'data');
  const port = await freePort();
  const url = `postgres://postgres@127.0.0.1:${port}/postgres`;
  await asPostgres('initdb', ['-D', data, '-U', 'postgres', '--auth=trust', '--no-sync']);
  const options = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c max_connections=40 -c shared_buffers=16MB`;
  const stop = (mode: 'immediate' | 'fast') => asPostgres('pg_ctl', ['-D', data, '-m', mode, '-w', 'stop']).catch(() => undefined);
  return {
    kind: 'postgres',
    url,
    async start() {
      await asPostgres('pg_ctl', ['-D', data, '-o', options, '-l', join(dir, 'log'), 'start']);
      await waitFor(
        `postgres on ${port}`,
        () =>
          answers(async () => {
            const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 1_000 });
            client.on('error', () => {});
            try {
              await client.connect();
              return (await client.query('SELECT 1 AS one')).rows[0]?.one === 1;
            } finally {
              await client.end().catch(() => undefined);
            }
          }),
        60_000,
      );
    },
    crash: () => stop('immediate').then(() => undefined),
    async destroy() {
      await stop('immediate');
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A FerretDB of our own (the binary `scripts/ferretdb.sh` builds), on SQLite in a temp dir. */
async function ownFerret(): Promise<OwnedDatabase> {
  const root = new URL('../../', import.meta.url).pathname;
  const { stdout } = await run('bash', [join(root, 'scripts/ferretdb.sh'), 'path'], { timeout: 600_000 });
  const binary = stdout.trim().split('\n').at(-1) ?? '';
  const dir = mkdtempSync(join(tmpdir(), 'roomlog-rel-ferret-'));
  const port = await freePort();
  const url = `mongodb://127.0.0.1:${port}`;
  let child: ChildProcess | null = null;
  return {
    kind: 'mongo',
    url,
    async start() {
      child = spawn(
        binary,
        [
          '--handler=sqlite',
          `--sqlite-url=file:${dir}/`,
          `--state-dir=${dir}`,
          `--listen-addr=127.0.0.1:${port}`,
          '--debug-addr=-',
          '--telemetry=disable',
          '--log-level=error',
        ],
        { stdio: 'ignore' },
      );
      await waitFor(
        `ferretdb on ${port}`,
        () =>
          answers(async () => {
            const connection = await mongoose.createConnection(`${url}/admin`, { serverSelectionTimeoutMS: 1_000 }).asPromise();
            try {
              return (await connection.db?.admin().ping())?.ok === 1;
            } finally {
              await connection.close(true);
            }
          }),
        60_000,
      );
    },
    async crash() {
      await killChild(child);
      child = null;
    },
    async destroy() {
      await killChild(child);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Starts a database server of `kind` that this run owns. */
export async function startOwnDatabase(kind: DurableBackend): Promise<OwnedDatabase> {
  const server = await (kind === 'redis' ? ownRedis() : kind === 'postgres' ? ownPostgres() : ownFerret());
  try {
    await server.start();
  } catch (error) {
    await server.destroy();
    throw error;
  }
  return server;
}

/** A fresh place for one run's data on a server at `url`: a key prefix, schema or database. */
export function freshConfig(kind: DurableBackend, url: string): BackendConfig {
  switch (kind) {
    case 'redis':
      return { kind, url, prefix: randomName('roomlogrel') };
    case 'postgres':
      return { kind, url, schema: randomName('roomlog_rel_') };
    case 'mongo':
      return { kind, url, database: randomName('roomlogrel') };
  }
}

/** Deletes what a run wrote under `config` (for runs on the shared servers). */
export async function dropData(config: BackendConfig): Promise<void> {
  switch (config.kind) {
    case 'memory':
      return;
    case 'redis': {
      const client = new Redis(config.url);
      try {
        let cursor = '0';
        do {
          const [next, keys] = await client.scan(cursor, 'MATCH', `${config.prefix}:*`, 'COUNT', 1000);
          if (keys.length > 0) await client.unlink(...keys);
          cursor = next;
        } while (cursor !== '0');
      } finally {
        client.disconnect();
      }
      return;
    }
    case 'postgres': {
      const client = new pg.Client({ connectionString: config.url });
      await client.connect();
      try {
        await client.query(`DROP SCHEMA IF EXISTS "${config.schema}" CASCADE`);
      } finally {
        await client.end();
      }
      return;
    }
    case 'mongo': {
      const connection = await mongoose.createConnection(`${config.url}/${config.database}`).asPromise();
      try {
        await connection.dropDatabase();
      } finally {
        await connection.close();
      }
    }
  }
}
