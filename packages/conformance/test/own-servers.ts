/**
 * Database servers a fault test owns: each on a free loopback port in a temp dir, stopped,
 * killed and restarted by the test, removed at the end. The shared services are never touched.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { chownSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import pg from 'pg';

const run = promisify(execFile);

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

/** Polls `check` every 50 ms until it resolves true (a throw counts as false). */
export async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check().catch(() => false)) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function killChild(child: ChildProcess | null, signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill(signal);
  await exited;
}

/** A server process the test owns. */
export interface OwnServer {
  readonly port: number;
  readonly url: string;
  /** Process id while it runs (PostgreSQL: `undefined`, it runs under pg_ctl). */
  readonly pid: number | undefined;
  /** Starts it (again, on the same port and data) and waits until it answers. */
  start(): Promise<void>;
  /** Stops it the hard way (SIGKILL, or PostgreSQL's immediate shutdown: no clean stop). */
  kill(): Promise<void>;
  /** Kills it and removes its data. */
  destroy(): Promise<void>;
}

async function redisAnswers(port: number): Promise<boolean> {
  const probe = new Redis({ port, host: '127.0.0.1', lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  probe.on('error', () => {});
  try {
    await probe.connect();
    return (await probe.ping()) === 'PONG';
  } finally {
    probe.disconnect();
  }
}

/**
 * A redis-server of the test's own. `extra` adds arguments (e.g. `--replicaof`); the default
 * keeps nothing on disk, like a cache; pass `--appendonly yes --appendfsync always` for a store.
 */
export async function ownRedis(extra: string[] = []): Promise<OwnServer> {
  const dir = mkdtempSync(join(tmpdir(), 'roomlog-e2e-redis-'));
  const port = await freePort();
  let child: ChildProcess | null = null;
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', ...extra];
  const server: OwnServer = {
    port,
    url: `redis://127.0.0.1:${port}`,
    get pid() {
      return child?.pid;
    },
    async start() {
      child = spawn('redis-server', args, { stdio: 'ignore' });
      await waitFor(`redis-server on ${port}`, () => redisAnswers(port));
    },
    async kill() {
      await killChild(child);
      child = null;
    },
    async destroy() {
      await killChild(child);
      rmSync(dir, { recursive: true, force: true });
    },
  };
  await server.start();
  return server;
}

/** A Redis Sentinel deployment of the test's own: a primary, a replica and three sentinels. */
export interface OwnSentinels {
  readonly name: string;
  /**
   * Which server is the primary now (as the sentinels say), and the other, once it replicates
   * it with its link up: after a failover the roles are swapped.
   */
  roles(): Promise<{ primary: OwnServer; replica: OwnServer }>;
  /** Sentinel addresses, for ioredis' `sentinels` option. */
  readonly sentinels: { host: string; port: number }[];
  /** Resolves once the sentinels report a primary other than `port`. */
  failedOverFrom(port: number, timeoutMs?: number): Promise<number>;
  destroy(): Promise<void>;
}

/**
 * Starts a primary (`appendfsync always`), its replica, and three `redis-server --sentinel`
 * processes watching it with a quorum of 2 and a 1 s down-after, so a killed primary is
 * replaced within a few seconds.
 */
export async function ownSentinels(): Promise<OwnSentinels> {
  const name = `roomlog${Math.random().toString(36).slice(2, 8)}`;
  const durable = ['--appendonly', 'yes', '--appendfsync', 'always'];
  const primary = await ownRedis(durable);
  const replica = await ownRedis([...durable, '--replicaof', '127.0.0.1', String(primary.port)]);
  const inSync = (server: OwnServer) =>
    waitFor(
      `the replica on ${server.port} in sync`,
      async () => {
        const probe = new Redis(server.url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
        probe.on('error', () => {});
        try {
          await probe.connect();
          return /master_link_status:up/.test(await probe.info('replication'));
        } finally {
          probe.disconnect();
        }
      },
      60_000,
    );
  await inSync(replica);
  const children: ChildProcess[] = [];
  const dirs: string[] = [];
  const sentinels: { host: string; port: number }[] = [];
  for (let i = 0; i < 3; i++) {
    const dir = mkdtempSync(join(tmpdir(), 'roomlog-e2e-sentinel-'));
    dirs.push(dir);
    const port = await freePort();
    const config = join(dir, 'sentinel.conf');
    writeFileSync(
      config,
      [
        `port ${port}`,
        'bind 127.0.0.1',
        `dir ${dir}`,
        `sentinel monitor ${name} 127.0.0.1 ${primary.port} 2`,
        `sentinel down-after-milliseconds ${name} 1000`,
        `sentinel failover-timeout ${name} 5000`,
        `sentinel parallel-syncs ${name} 1`,
        '',
      ].join('\n'),
    );
    children.push(spawn('redis-server', [config, '--sentinel'], { stdio: 'ignore' }));
    sentinels.push({ host: '127.0.0.1', port });
    await waitFor(`sentinel on ${port}`, () => redisAnswers(port));
  }
  const askPrimary = async (): Promise<number | null> => {
    for (const { port } of sentinels) {
      const probe = new Redis({ port, host: '127.0.0.1', lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
      probe.on('error', () => {});
      try {
        await probe.connect();
        const [, primaryPort] = (await probe.call('SENTINEL', 'get-master-addr-by-name', name)) as [string, string];
        return Number(primaryPort);
      } catch {
        // ask the next sentinel
      } finally {
        probe.disconnect();
      }
    }
    return null;
  };
  return {
    name,
    sentinels,
    async roles() {
      const port = await askPrimary();
      const [now, other] = port === replica.port ? [replica, primary] : [primary, replica];
      await inSync(other);
      return { primary: now, replica: other };
    },
    async failedOverFrom(port, timeoutMs = 30_000) {
      let now: number | null = null;
      await waitFor(
        'the sentinels to promote the replica',
        async () => {
          now = await askPrimary();
          return now !== null && now !== port;
        },
        timeoutMs,
      );
      return now!;
    },
    async destroy() {
      await Promise.all(children.map((child) => killChild(child)));
      await Promise.all([primary.destroy(), replica.destroy()]);
      for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The directory holding `initdb`/`pg_ctl` of the installed PostgreSQL. */
function postgresBin(): string {
  const versions = readdirSync('/usr/lib/postgresql').sort((a, b) => Number(b) - Number(a));
  if (!versions[0]) throw new Error('no PostgreSQL under /usr/lib/postgresql');
  return `/usr/lib/postgresql/${versions[0]}/bin`;
}

/** Runs a PostgreSQL tool, as the `postgres` user when we are root (initdb refuses root). */
function asPostgres(tool: string, args: string[]): Promise<unknown> {
  const command = join(postgresBin(), tool);
  if (process.getuid?.() !== 0) return run(command, args);
  const quoted = [command, ...args].map((part) => `'${part.replaceAll("'", "'\\''")}'`).join(' ');
  return run('su', ['postgres', '-s', '/bin/sh', '-c', quoted]);
}

/** A PostgreSQL cluster of the test's own (initdb + pg_ctl), fsync on as in production. */
export async function ownPostgres(): Promise<OwnServer> {
  const dir = mkdtempSync(join(tmpdir(), 'roomlog-e2e-pg-'));
  if (process.getuid?.() === 0) {
    const uid = Number((await run('id', ['-u', 'postgres'])).stdout.trim());
    const gid = Number((await run('id', ['-g', 'postgres'])).stdout.trim());
    chownSync(dir, uid, gid);
  }
  const data = join(dir, 'data');
  const port = await freePort();
  const url = `postgres://postgres@127.0.0.1:${port}/postgres`;
  await asPostgres('initdb', ['-D', data, '-U', 'postgres', '--auth=trust', '--no-sync']);
  const options = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c max_connections=40 -c shared_buffers=16MB`;
  const stop = () => asPostgres('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']).catch(() => undefined);
  const server: OwnServer = {
    port,
    url,
    pid: undefined,
    async start() {
      await asPostgres('pg_ctl', ['-D', data, '-o', options, '-l', join(dir, 'log'), 'start']);
      await waitFor(
        `postgres on ${port}`,
        async () => {
          const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 1_000 });
          client.on('error', () => {});
          try {
            await client.connect();
            return (await client.query('SELECT 1 AS one')).rows[0]?.one === 1;
          } finally {
            await client.end().catch(() => undefined);
          }
        },
        60_000,
      );
    },
    kill: () => stop().then(() => undefined),
    async destroy() {
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  await server.start();
  return server;
}
