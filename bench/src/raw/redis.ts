/**
 * The Redis "limit" rows: the fastest atomic sequenced write the raw driver can do, so the
 * Roomlog Redis backend's append rate can be read as a fraction of what Redis allows.
 * One Lua script per batch: INCRBY the stream counter by the batch size, XADD every message
 * with its seq. Nothing else (no idempotency index, no retention).
 *
 * The guarded variant keeps the guarantees an append gives, and nothing more: the same script
 * also keeps an idempotency index (a hash `clientMessageId → seq` per stream), skips a message
 * whose key is already in it (no seq is spent on it), and records the others. That is the least
 * any correct implementation must do, so it is what the append target compares with.
 */
import { Redis } from 'ioredis';
import { urls } from '../env';
import { deleteRedisKeys } from '../backends';

/** ARGV: createdAt, then (clientMessageId, data) pairs. KEYS: counter, stream. */
const APPEND_LUA = `
local count = (#ARGV - 1) / 2
local last = redis.call('INCRBY', KEYS[1], count)
local seq = last - count
for i = 2, #ARGV, 2 do
  seq = seq + 1
  redis.call('XADD', KEYS[2], '*', 's', seq, 'c', ARGV[i], 'd', ARGV[i + 1], 't', ARGV[1])
end
return last
`;

/** ARGV and KEYS as {@link APPEND_LUA}, plus KEYS[3]: the idempotency index. */
const GUARDED_APPEND_LUA = `
local fresh = {}
for i = 2, #ARGV, 2 do
  if redis.call('HEXISTS', KEYS[3], ARGV[i]) == 0 then fresh[#fresh + 1] = i end
end
local last = redis.call('INCRBY', KEYS[1], #fresh)
local seq = last - #fresh
for _, i in ipairs(fresh) do
  seq = seq + 1
  redis.call('XADD', KEYS[2], '*', 's', seq, 'c', ARGV[i], 'd', ARGV[i + 1], 't', ARGV[1])
  redis.call('HSET', KEYS[3], ARGV[i], seq)
end
return last
`;

/** A raw Redis writer for one run; `close()` deletes its keys. */
export interface RawRedisWriter {
  /** Appends `messages` (clientMessageId, JSON text) to `stream` atomically. */
  append(stream: string, messages: readonly (readonly [string, string])[]): Promise<void>;
  close(): Promise<void>;
}

/**
 * Connects a raw writer whose keys live under `runId`.
 * @param guarded - keep an idempotency index, as an append does (see the module comment).
 */
export async function openRawRedis(runId: string, guarded = false): Promise<RawRedisWriter> {
  const client = new Redis(urls.redis, { lazyConnect: true });
  await client.connect();
  const sha = (await client.script('LOAD', guarded ? GUARDED_APPEND_LUA : APPEND_LUA)) as string;
  return {
    async append(stream, messages) {
      const args: string[] = [String(Date.now())];
      for (const [id, data] of messages) args.push(id, data);
      const keys = [`${runId}:{${stream}}:seq`, `${runId}:{${stream}}:log`];
      if (guarded) keys.push(`${runId}:{${stream}}:ids`);
      await client.evalsha(sha, keys.length, ...keys, ...args);
    },
    async close() {
      await deleteRedisKeys(client, `${runId}:`);
      client.disconnect();
    },
  };
}
