/**
 * What the numbers were measured on: CPU, memory, Node and database versions, and how busy
 * the machine already was (a loaded machine makes absolute numbers meaningless; ratios
 * measured in the same run still hold roughly).
 */
import { createRequire } from 'node:module';
import os from 'node:os';
import { Redis } from 'ioredis';
import mongoose from 'mongoose';
import pg from 'pg';
import { urls } from './env';

/** The machine and software of one run. */
export interface MachineInfo {
  cpus: number;
  cpuModel: string;
  memoryGiB: number;
  os: string;
  node: string;
  socketIo: string;
  /** 1-minute load average when the run started, and when it ended. */
  loadAtStart: number;
  loadAtEnd: number | null;
  /** Version strings of the database servers, or why one could not be asked. */
  databases: Record<string, string>;
}

async function askVersion(ask: () => Promise<string>): Promise<string> {
  try {
    return await ask();
  } catch (error) {
    return `unreachable (${error instanceof Error ? error.message : String(error)})`;
  }
}

async function redisVersion(): Promise<string> {
  const client = new Redis(urls.redis, { lazyConnect: true, maxRetriesPerRequest: 1 });
  try {
    await client.connect();
    const info = await client.info('server');
    return `Redis ${/redis_version:(\S+)/.exec(info)?.[1] ?? '?'}`;
  } finally {
    client.disconnect();
  }
}

async function postgresVersion(): Promise<string> {
  const client = new pg.Client({ connectionString: urls.postgres });
  await client.connect();
  try {
    const { rows } = await client.query<{ version: string; fsync: string; commit: string }>(
      "SELECT current_setting('server_version') AS version, current_setting('fsync') AS fsync, current_setting('synchronous_commit') AS commit",
    );
    const row = rows[0];
    return `PostgreSQL ${row?.version} (fsync=${row?.fsync}, synchronous_commit=${row?.commit})`;
  } finally {
    await client.end();
  }
}

async function mongoVersion(): Promise<string> {
  const connection = await mongoose.createConnection(urls.mongo, { serverSelectionTimeoutMS: 5_000 }).asPromise();
  try {
    const info = (await connection.db?.admin().command({ buildInfo: 1 })) as { version?: string; ferretdbVersion?: string } | undefined;
    const ferret = info?.ferretdbVersion;
    return ferret ? `FerretDB ${ferret} (MongoDB wire ${info?.version ?? '?'})` : `MongoDB ${info?.version ?? '?'}`;
  } finally {
    await connection.close();
  }
}

/** Describes this machine and the database servers the run talks to. */
export async function describeMachine(): Promise<MachineInfo> {
  const require = createRequire(import.meta.url);
  const socketIo = (require('socket.io/package.json') as { version: string }).version;
  const [redis, postgres, mongo] = await Promise.all([askVersion(redisVersion), askVersion(postgresVersion), askVersion(mongoVersion)]);
  return {
    cpus: os.availableParallelism(),
    cpuModel: os.cpus()[0]?.model.trim() ?? 'unknown',
    memoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    node: process.version,
    socketIo,
    loadAtStart: os.loadavg()[0] ?? 0,
    loadAtEnd: null,
    databases: { redis, postgres, mongo },
  };
}
