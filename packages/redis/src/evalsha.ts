/**
 * Runs a Lua script by its SHA-1 (`EVALSHA`), so only the digest travels on the hot path. When
 * a node does not know the script (first use, restart, `SCRIPT FLUSH`, failover) it answers
 * `NOSCRIPT` and the script is sent once with `EVAL`, which also caches it on that node.
 */
import { createHash } from 'node:crypto';
import type { Cluster, Redis } from 'ioredis';

/** The client a store runs on: the user's standalone, Sentinel or Cluster ioredis instance. */
export type RedisClient = Redis | Cluster;

/** `WAIT` arguments: replicas that must acknowledge, and how long to wait (ms). */
export interface ReplicaWait {
  replicas: number;
  timeoutMs: number;
}

/** A script's reply and, when a `WAIT` followed it, how many replicas acknowledged. */
export interface WaitedReply {
  reply: unknown;
  acknowledged: number;
}

/** One script, with its digest computed once. */
export class LuaScript {
  /** SHA-1 of the source, as Redis computes it. */
  readonly sha: string;

  /** @param source - the Lua source. */
  constructor(readonly source: string) {
    this.sha = createHash('sha1').update(source).digest('hex');
  }

  /** Runs the script with `keys` and `args`, loading it first where the node lacks it. */
  async run(client: RedisClient, keys: readonly string[], args: readonly (string | number)[]): Promise<unknown> {
    try {
      return await client.evalsha(this.sha, keys.length, ...keys, ...args);
    } catch (error) {
      if (!isNoScript(error)) throw error;
      return client.eval(this.source, keys.length, ...keys, ...args);
    }
  }

  /**
   * Runs the script followed by `WAIT` in one pipeline, so both reach the node that owns the
   * keys (on a cluster too) in one round trip, and `WAIT` covers exactly this write.
   */
  async runAndWait(
    client: RedisClient,
    keys: readonly string[],
    args: readonly (string | number)[],
    wait: ReplicaWait,
  ): Promise<WaitedReply> {
    let results = await this.#pipeline(client, keys, args, wait, false);
    if (isNoScript(results[0]?.[0])) results = await this.#pipeline(client, keys, args, wait, true);
    const [[scriptError, reply] = [null, null], [waitError, acknowledged] = [null, 0]] = results;
    if (scriptError) throw scriptError;
    if (waitError) throw waitError;
    return { reply, acknowledged: Number(acknowledged) };
  }

  async #pipeline(
    client: RedisClient,
    keys: readonly string[],
    args: readonly (string | number)[],
    wait: ReplicaWait,
    withSource: boolean,
  ): Promise<[Error | null, unknown][]> {
    const pipeline = client.pipeline();
    if (withSource) pipeline.eval(this.source, keys.length, ...keys, ...args);
    else pipeline.evalsha(this.sha, keys.length, ...keys, ...args);
    pipeline.wait(wait.replicas, wait.timeoutMs);
    return (await pipeline.exec()) ?? [];
  }
}

function isNoScript(error: unknown): boolean {
  return error instanceof Error && error.message.startsWith('NOSCRIPT');
}
