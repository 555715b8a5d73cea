/**
 * The Redis "limit" row: the fastest atomic sequenced write the raw driver can do, so the
 * Roomlog Redis backend's append rate can be read as a fraction of what Redis allows.
 * One Lua script per batch: INCRBY the stream counter by the batch size, XADD every message
 * with its seq. Nothing else (no idempotency index, no retention).
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

/** A raw Redis writer for one run; `close()` deletes its keys. */
export interface RawRedisWriter {
  /** Appends `messages` (clientMessageId, JSON text) to `stream` atomically. */
  append(stream: string, messages: readonly (readonly [string, string])[]): Promise<void>;
  close(): Promise<void>;
}

/** Connects a raw writer whose keys live under `runId`. */
export async function openRawRedis(runId: string): Promise<RawRedisWriter> {
  const client = new Redis(urls.redis, { lazyConnect: true });
  await client.connect();
  const sha = (await client.script('LOAD', APPEND_LUA)) as string;
  return {
    async append(stream, messages) {
      const args: string[] = [String(Date.now())];
      for (const [id, data] of messages) args.push(id, data);
      await client.evalsha(sha, 2, `${runId}:{${stream}}:seq`, `${runId}:{${stream}}:log`, ...args);
    },
    async close() {
      await deleteRedisKeys(client, `${runId}:`);
      client.disconnect();
    },
  };
}
