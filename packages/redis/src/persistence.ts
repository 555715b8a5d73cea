/**
 * Whether the Redis server keeps what Roomlog acknowledges. `append` resolves once Redis ran
 * the script; only `appendonly yes` with `appendfsync always` makes that survive a crash of
 * Redis or its machine. The store reads the two settings once (`CONFIG GET`, on every master of
 * a cluster) before its first write and says so when acknowledged messages could be lost.
 */
import { RoomlogError } from '@roomlog/core';
import type { Cluster, Redis } from 'ioredis';
import { BACKEND } from './options';
import type { RedisClient } from './evalsha';

/**
 * What the store does about the server's persistence settings.
 * - `'warn'`: emit one Node.js process warning (code {@link NOT_DURABLE_WARNING}) when
 *   acknowledged messages could be lost; writes go on.
 * - `'require'`: also refuse every write (`UNSUPPORTED`) unless the settings are known to be
 *   durable, and make {@link RedisMessageStore.checkPersistence} reject, so a server can refuse to start.
 * - `'ignore'`: do not look (e.g. a provider that keeps durability its own way).
 */
export type PersistencePolicy = 'warn' | 'require' | 'ignore';

/** The `code` of the process warning the store emits: `process.on('warning', (w) => w.code === ...)`. */
export const NOT_DURABLE_WARNING = 'ROOMLOG_REDIS_NOT_DURABLE';

/** The persistence settings of one Redis server (a cluster has one per master). */
export interface ServerPersistence {
  /** `host:port` of the server. */
  server: string;
  /** `CONFIG GET appendonly`, or `null` when `CONFIG` is not allowed. */
  appendonly: string | null;
  /** `CONFIG GET appendfsync`, or `null` when `CONFIG` is not allowed. */
  appendfsync: string | null;
}

/** What {@link RedisMessageStore.checkPersistence} found. */
export interface PersistenceReport {
  /** `true`: every acknowledged message survives a crash; `false`: some could be lost; `null`: unknown (`CONFIG` refused). */
  durable: boolean | null;
  /** One line saying what could be lost and what to set, or `null` when durable. */
  problem: string | null;
  servers: ServerPersistence[];
}

/** The nodes that take writes: the client itself, or every master of a cluster. */
function writers(client: RedisClient): Redis[] {
  return client.isCluster ? (client as Cluster).nodes('master') : [client as Redis];
}

function address(node: Redis): string {
  return `${node.options.host ?? '127.0.0.1'}:${node.options.port ?? 6379}`;
}

/**
 * `CONFIG GET name` → its value, or `null` when the server refuses the command (managed
 * services rename it, ACLs deny it). A connection failure is thrown: it says nothing about
 * the settings, and the next write asks again.
 */
async function configGet(node: Redis, name: string): Promise<string | null> {
  try {
    const reply = (await node.call('CONFIG', 'GET', name)) as unknown;
    return Array.isArray(reply) && typeof reply[1] === 'string' ? reply[1] : null;
  } catch (error) {
    if ((error as { name?: unknown } | null)?.name === 'ReplyError') return null;
    throw error;
  }
}

/** Why one server's settings could lose acknowledged messages, or `null` when they cannot. */
function problemOf(server: ServerPersistence): string | null {
  if (server.appendonly === null || server.appendfsync === null) {
    return `Redis at ${server.server} does not allow CONFIG GET, so whether it keeps acknowledged messages is unknown`;
  }
  if (server.appendonly !== 'yes') {
    return (
      `Redis at ${server.server} runs with appendonly ${server.appendonly}: a restart of Redis loses every message since ` +
      'its last snapshot (with no snapshot, all of them, and streams restart at seq 1 under a new epoch)'
    );
  }
  if (server.appendfsync !== 'always') {
    return (
      `Redis at ${server.server} runs with appendfsync ${server.appendfsync}: a crash of its machine can lose ` +
      'acknowledged messages from the last second or so'
    );
  }
  return null;
}

/**
 * Reads the persistence settings of every server that takes writes.
 * @returns the report (a server that refuses `CONFIG` counts as unknown).
 * @throws what the client throws when a server cannot be reached.
 */
export async function inspectPersistence(client: RedisClient): Promise<PersistenceReport> {
  const servers = await Promise.all(
    writers(client).map(async (node) => {
      const [appendonly, appendfsync] = await Promise.all([configGet(node, 'appendonly'), configGet(node, 'appendfsync')]);
      return { server: address(node), appendonly, appendfsync };
    }),
  );
  const problems = servers.map(problemOf).filter((problem): problem is string => problem !== null);
  const unknown = servers.some((server) => server.appendonly === null || server.appendfsync === null);
  const lossy = servers.some((server) => problemOf(server) !== null && server.appendonly !== null && server.appendfsync !== null);
  return {
    durable: lossy ? false : unknown ? null : true,
    problem:
      problems.length === 0 ? null : `${problems.join('; ')}. Set appendonly yes and appendfsync always (see docs/backends/redis.md)`,
    servers,
  };
}

/** Problems already warned about in this process: many stores on one server warn once. */
const warned = new Set<string>();

/** The refusal of `'require'`. */
export function notDurable(report: PersistenceReport): RoomlogError {
  return new RoomlogError('UNSUPPORTED', `refusing to write: ${report.problem} (persistence: 'require')`, {
    backend: BACKEND,
    cause: report,
  });
}

/**
 * The once-per-store check behind the store's writes: the settings are read on first use; a
 * lossy setting is warned about once per process; with `'require'` writes wait for the answer
 * and are refused unless it is durable.
 */
export class PersistenceCheck {
  #report: Promise<PersistenceReport> | null = null;

  constructor(
    private readonly client: RedisClient,
    readonly policy: PersistencePolicy,
  ) {}

  /**
   * The report, read once (again after a connection failure). With `'warn'` a lossy setting is
   * reported through `process.emitWarning`.
   */
  report(): Promise<PersistenceReport> {
    this.#report ??= inspectPersistence(this.client).then((report) => {
      // Unknown settings are not warned about in 'warn' mode: a provider that hides CONFIG usually keeps durability itself.
      if (this.policy === 'warn' && report.durable === false && report.problem && !warned.has(report.problem)) {
        warned.add(report.problem);
        process.emitWarning(`[roomlog] [redis] acknowledged messages could be lost: ${report.problem}`, { code: NOT_DURABLE_WARNING });
      }
      return report;
    });
    this.#report.catch(() => {
      this.#report = null;
    });
    return this.#report;
  }

  /** Runs before a write. `'warn'` never delays it; `'require'` waits and refuses unless durable. */
  async beforeWrite(): Promise<void> {
    if (this.policy === 'ignore') return;
    if (this.policy === 'warn') {
      this.report().catch(() => {}); // unreachable now: the write reports that itself
      return;
    }
    const report = await this.report();
    if (report.durable !== true) throw notDurable(report);
  }
}
