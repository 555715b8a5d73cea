/**
 * `RedisMessageStore`: the Roomlog contract on Redis through ioredis. Every write is one Lua
 * script per stream (per batch on a standalone server), so seq allocation, idempotency,
 * storage, retention and the epoch are atomic and need no coordination between nodes. The
 * store is core's kit around {@link RedisDriver}, which holds only what is particular to Redis.
 */
import {
  type AppendResult,
  type CursorList,
  type DriverChange,
  type DriverPage,
  DriverStore,
  type ImportResult,
  type NormalizedReadQuery,
  type PreparedBatch,
  type PreparedImport,
  type PreparedStream,
  RoomlogError,
  type StreamInfo,
  type StreamList,
  epochConflict,
  type StoreDriver,
  type StoredMessage,
  type StreamHead,
  type StreamRef,
  appendedMessage,
  newEpoch,
  invalidArgument,
  validateStream,
} from '@roomlog/core';
import { decodeHashPosition, decodeScanPosition, globEscape, importArgs, scanNodes } from './admin';
import { decodeEntry, entryId } from './entry';
import { classifyRedisError } from './errors';
import { type StreamKeys, senderKey, streamKeys, streamTag } from './keys';
import { PersistenceCheck, type PersistenceReport, notDurable } from './persistence';
import { BACKEND, type RedisStoreOptions, type ResolvedRedisOptions, resolveRedisOptions } from './options';
import { LuaScript, type RedisClient } from './evalsha';
import { SenderIndex } from './sender-index';
import {
  APPEND_SCRIPT,
  CHANGE_SCRIPT,
  DROP_SCRIPT,
  NAME_SCRIPT,
  ERASE_SCRIPT,
  IMPORT_SCRIPT,
  READ_SCRIPT,
  SET_CURSOR_SCRIPT,
  UNREAD_SCRIPT,
} from './scripts.lua';

const appendScript = new LuaScript(APPEND_SCRIPT);
const readScript = new LuaScript(READ_SCRIPT);
const changeScript = new LuaScript(CHANGE_SCRIPT);
const setCursorScript = new LuaScript(SET_CURSOR_SCRIPT);
const unreadScript = new LuaScript(UNREAD_SCRIPT);
const eraseScript = new LuaScript(ERASE_SCRIPT);
const importScript = new LuaScript(IMPORT_SCRIPT);
const dropScript = new LuaScript(DROP_SCRIPT);
const nameScript = new LuaScript(NAME_SCRIPT);

/** Entries `eraseSender` rewrites per script call, so a huge stream never blocks Redis for long. */
const ERASE_CHUNK = 1000;

/** The head and the raw entries of a page, as the read script returns them. */
interface RawPage {
  head: StreamHead;
  hasMore: boolean;
  entries: string[];
}

/** A stream of a batch with its key tag and the senders of its messages. */
interface TaggedStream {
  group: PreparedStream;
  tag: string;
  senders: (string | null)[];
}

/**
 * The Redis implementation of `MessageStore`. Create it with {@link createRedisStore}.
 *
 * `append` resolves once Redis has executed the script; how durable that is depends on the
 * server's persistence settings (see docs/backends/redis.md). `eraseSender` touches only the
 * streams in the sender's index, in chunks of 1000 entries.
 */
export class RedisMessageStore extends DriverStore {
  readonly #persistence: PersistenceCheck;
  readonly #driver: RedisDriver;

  /**
   * @param client - the user's ioredis `Redis` or `Cluster`; not ended by `close()` unless `closeClient`.
   * @param options - see {@link RedisStoreOptions}.
   */
  constructor(client: RedisClient, options: RedisStoreOptions = {}) {
    const resolved = resolveRedisOptions(options);
    const persistence = new PersistenceCheck(client, resolved.persistence);
    const driver = new RedisDriver(client, resolved, persistence);
    super(driver);
    this.#driver = driver;
    this.#persistence = persistence;
  }

  /**
   * Reads the server's persistence settings (once) and says whether acknowledged messages
   * survive a crash. Call it at startup to refuse to start on a lossy server.
   * @throws RoomlogError `UNSUPPORTED` with the `persistence: 'require'` option, unless durable.
   */
  async checkPersistence(): Promise<PersistenceReport> {
    const report = await this.#persistence.report();
    if (this.#persistence.policy === 'require' && report.durable !== true) throw notDurable(report);
    return report;
  }

  /**
   * Names streams written by a version that did not store their names (Redis keys carry only a
   * digest of `(namespace, room)`, which cannot be turned back into names), so `listStreams`,
   * `roomlog rooms`, `export` and `prune` see them. Give it the rooms your app knows; each one
   * whose stream exists and has no names gets them, anything else is left alone. Idempotent.
   * Appends and imports name such a stream too, the next time they write to it.
   * @param streams - at most 1000.
   * @returns how many streams were named.
   * @throws RoomlogError `INVALID_ARGUMENT` for an invalid stream or more than 1000.
   */
  nameStreams(streams: readonly StreamRef[]): Promise<number> {
    return this.guarded(async () => {
      if (!Array.isArray(streams) || streams.length > NAME_BATCH) {
        throw invalidArgument(BACKEND, 'streams', `must be an array of at most ${NAME_BATCH} streams`);
      }
      const refs = streams.map((stream) => validateStream(BACKEND, stream));
      return this.#driver.nameStreams(refs);
    });
  }
}

/** What `#streamAt` says of a stream that exists but has no names. */
const UNNAMED = Symbol('unnamed');

/** Most streams one `nameStreams` call names. */
const NAME_BATCH = 1000;

/** What is particular to Redis: keys, scripts, the sender index, replica waits. */
class RedisDriver implements StoreDriver {
  readonly name = BACKEND;
  readonly retention = true;
  readonly #senders: SenderIndex;

  constructor(
    private readonly client: RedisClient,
    readonly options: ResolvedRedisOptions,
    private readonly persistence: PersistenceCheck,
  ) {
    this.#senders = new SenderIndex(client, options.prefix);
  }

  classify(error: unknown) {
    return classifyRedisError(error);
  }

  async append(prepared: PreparedBatch): Promise<Map<number, AppendResult>> {
    await this.persistence.beforeWrite();
    const streams: TaggedStream[] = prepared.streams.map((group) => ({
      group,
      tag: streamTag(group.namespace, group.room),
      senders: group.messages.map((message) => message.senderId),
    }));
    await Promise.all(streams.map(({ tag, senders }) => this.#senders.before(tag, senders)));
    // A script may only touch keys of one slot on a cluster; a standalone server takes the whole batch at once.
    const calls = this.client.isCluster ? streams.map((stream) => [stream]) : [streams];
    const written = new Map<number, AppendResult>();
    await Promise.all(calls.map((call) => this.#appendCall(prepared, call, written)));
    return written;
  }

  async read(ref: StreamRef, { after, before, limit }: NormalizedReadQuery): Promise<DriverPage | null> {
    const page = await this.#readPage(ref, after, before, limit);
    if (!page) return null;
    const messages = page.entries.map((entry) => decodeEntry(BACKEND, ref, page.head.epoch, entry));
    return { messages, head: page.head, hasMore: page.hasMore };
  }

  async head(ref: StreamRef): Promise<StreamHead | null> {
    const page = await this.#readPage(ref, null, null, 0);
    return page ? page.head : null;
  }

  async change(ref: StreamRef, { kind, seq, by, payload }: DriverChange): Promise<StoredMessage | null> {
    const tag = streamTag(ref.namespace, ref.room);
    await this.#senders.before(tag, [by]);
    const reply = await this.#write(changeScript, streamKeys(this.options.prefix, tag), [
      ...this.#policy(),
      seq,
      kind === 'edit' ? 'e' : 'd',
      payload ?? '',
      by ?? '',
    ]);
    if (reply === null) return null;
    const [epoch, entry] = expectArray(reply) as [string, string];
    await this.#senders.after(tag, epoch, [by]);
    return decodeEntry(BACKEND, ref, epoch, entry);
  }

  async setCursor(ref: StreamRef, user: string, wanted: number): Promise<number> {
    return Number(await this.#write(setCursorScript, this.#keysOf(ref), [...this.#policy(), user, wanted]));
  }

  async getCursor(ref: StreamRef, user: string): Promise<number> {
    const cursor = await this.client.hget(this.#keysOf(ref)[4], user);
    return cursor === null ? 0 : Number(cursor);
  }

  async unreadCount(ref: StreamRef, user: string): Promise<number> {
    return Number(await unreadScript.run(this.client, this.#keysOf(ref), [...this.#policy(), user]));
  }

  async eraseSender(sender: string): Promise<number> {
    const tags = await this.client.smembers(senderKey(this.options.prefix, sender));
    let erased = 0;
    for (const tag of tags) {
      const keys = streamKeys(this.options.prefix, tag);
      let from = 1;
      while (from !== 0) {
        const reply = await this.#write(eraseScript, keys, [...this.#policy(), sender, from, ERASE_CHUNK]);
        const [count, next] = reply as [number, number];
        erased += count;
        from = next;
      }
    }
    return erased;
  }

  async ping(): Promise<void> {
    // Redis has no schema: the scripts load on first use. A round trip is the whole check.
    await this.client.ping();
  }

  async importEntries(batch: PreparedImport): Promise<ImportResult> {
    const tag = streamTag(batch.namespace, batch.room);
    const senders = batch.entries.map((entry) => entry.senderId);
    await this.#senders.before(tag, senders);
    const args: (string | number)[] = [...this.#policy(), batch.epoch, batch.namespace, batch.room, batch.entries.length];
    for (const entry of batch.entries) args.push(...importArgs(entry, batch.epoch));
    const [written, skipped] = expectArray(await this.#write(importScript, streamKeys(this.options.prefix, tag), args)) as [
      number,
      number | string,
    ];
    if (written === -1) throw epochConflict(BACKEND, batch, String(skipped), batch.epoch);
    if (written > 0) await this.#senders.after(tag, batch.epoch, senders);
    return { imported: Number(written), skipped: Number(skipped), head: await this.head(batch) };
  }

  async listStreams({ after, limit }: { after: string | null; limit: number }): Promise<StreamList> {
    const nodes = scanNodes(this.client);
    let { node, cursor } = decodeScanPosition(BACKEND, after);
    const pattern = `${globEscape(this.options.prefix)}:{*}:m`;
    // A Set: one SCAN reply may name a key twice (while Redis rehashes); across pages it is the
    // contract's at-least-once.
    const metaKeys = new Set<string>();
    // SCAN returns about COUNT keys per call, possibly none: go on until the page has some or
    // the walk ends. A reply is taken whole: SCAN visits whole buckets, so it may hold a few
    // keys more than COUNT, and the cursor after it is past all of them.
    while (node < nodes.length && metaKeys.size === 0) {
      const [next, keys] = await nodes[node]!.scan(cursor, 'MATCH', pattern, 'COUNT', limit);
      for (const key of keys) metaKeys.add(key);
      if (next === '0') {
        node++;
        cursor = '0';
      } else {
        cursor = next;
      }
    }
    const found = await Promise.all([...metaKeys].map((key) => this.#streamAt(key)));
    const streams = found.filter((stream): stream is StreamInfo => stream !== null && stream !== UNNAMED);
    const unnamed = found.filter((stream) => stream === UNNAMED).length;
    return { streams, next: node < nodes.length ? `${node}.${cursor}` : null, ...(unnamed > 0 ? { unnamed } : {}) };
  }

  async listCursors(ref: StreamRef, { after, limit }: { after: string | null; limit: number }): Promise<CursorList> {
    const [next, flat] = await this.client.hscan(this.#keysOf(ref)[4], decodeHashPosition(BACKEND, after), 'COUNT', limit);
    const cursors: { userId: string; seq: number }[] = [];
    for (let i = 0; i + 1 < flat.length; i += 2) cursors.push({ userId: flat[i]!, seq: Number(flat[i + 1]) });
    return { cursors, next: next === '0' ? null : next };
  }

  async dropStream(ref: StreamRef): Promise<boolean> {
    return Number(await this.#write(dropScript, this.#keysOf(ref), [])) === 1;
  }

  /** See `RedisMessageStore.nameStreams`. */
  async nameStreams(refs: readonly StreamRef[]): Promise<number> {
    let named = 0;
    for (const ref of refs) named += Number(await this.#write(nameScript, [this.#keysOf(ref)[0]], [ref.namespace, ref.room]));
    return named;
  }

  /**
   * The stream whose meta hash is `metaKey`; `UNNAMED` when it exists without names (last
   * written before they were stored), `null` when it is gone.
   */
  async #streamAt(metaKey: string): Promise<StreamInfo | typeof UNNAMED | null> {
    const [namespace, room, epoch] = await this.client.hmget(metaKey, 'ns', 'room', 'epoch');
    if (typeof namespace !== 'string' || typeof room !== 'string') return typeof epoch === 'string' ? UNNAMED : null;
    const ref = { namespace, room };
    const head = await this.head(ref);
    return head === null ? null : { ...ref, head };
  }

  async close(): Promise<void> {
    if (!this.options.closeClient) return;
    // QUIT lets pending replies arrive; a client not connected has none and would only queue it.
    if (this.client.status === 'ready') await this.client.quit();
    else this.client.disconnect();
  }

  /** ARGV[1..4] of every script: the clock and the retention policy of this instance. */
  #policy(now = this.options.now()): string[] {
    const { maxCount, maxAgeMs, idempotencyWindowMs } = this.options;
    return [String(now), String(maxCount ?? 0), String(maxAgeMs ?? 0), String(idempotencyWindowMs ?? 0)];
  }

  /** Runs a writing script and, with `waitForReplicas`, makes sure enough replicas have the write. */
  async #write(script: LuaScript, keys: readonly string[], args: readonly (string | number)[]): Promise<unknown> {
    const wait = this.options.waitForReplicas;
    if (wait === null) return script.run(this.client, keys, args);
    const { reply, acknowledged } = await script.runAndWait(this.client, keys, args, wait);
    if (acknowledged < wait.replicas) {
      const detail = `the write reached ${acknowledged} of ${wait.replicas} replicas within ${wait.timeoutMs} ms`;
      throw new RoomlogError('UNAVAILABLE', detail, { backend: BACKEND, cause: new Error(`WAIT returned ${acknowledged}`) });
    }
    return reply;
  }

  #keysOf(ref: StreamRef): StreamKeys {
    return streamKeys(this.options.prefix, streamTag(ref.namespace, ref.room));
  }

  /** One script call appending the messages of `streams`; fills `written` by input index. */
  async #appendCall(prepared: PreparedBatch, streams: readonly TaggedStream[], written: Map<number, AppendResult>): Promise<void> {
    const keys: string[] = [];
    const args: (string | number)[] = this.#policy(prepared.createdAt);
    for (const { group, tag } of streams) {
      keys.push(...streamKeys(this.options.prefix, tag));
      args.push(newEpoch(), group.namespace, group.room, group.messages.length);
      for (const m of group.messages) {
        args.push(m.event, m.senderId ?? '', m.clientMessageId ?? '', m.expiresAt ?? '', m.payload);
      }
    }
    const replies = expectArray(await this.#write(appendScript, keys, args)) as unknown[][];
    const epochs = replies.map((reply) => String(reply[0]));
    await Promise.all(streams.map(({ tag, senders }, s) => this.#senders.after(tag, epochs[s]!, senders)));
    streams.forEach(({ group }, s) => {
      const reply = replies[s]!;
      const epoch = epochs[s]!;
      group.messages.forEach((message, i) => {
        const value = reply[2 + 2 * i];
        const seq = Number(value);
        const result: AppendResult =
          reply[1 + 2 * i] === '1'
            ? { message: decodeEntry(BACKEND, group, epoch, String(value)), duplicate: true }
            : { message: appendedMessage(BACKEND, message, epoch, seq, entryId(epoch, seq), prepared.createdAt), duplicate: false };
        written.set(message.index, result);
      });
    });
  }

  /** Head and a page of raw entries, or `null` for a stream never written; `limit` 0 reads the head only. */
  async #readPage(ref: StreamRef, after: number | null, before: number | null, limit: number): Promise<RawPage | null> {
    const reply = expectArray(
      await readScript.run(this.client, this.#keysOf(ref), [...this.#policy(), after ?? '', before ?? '', limit]),
    ) as string[];
    if (reply.length === 0) return null;
    const [seq, epoch, firstSeq, hasMore, ...entries] = reply as [string, string, string, string, ...string[]];
    const head: StreamHead = { seq: Number(seq), epoch, firstSeq: Number(firstSeq) };
    return { head, hasMore: hasMore === '1', entries };
  }
}

function expectArray(reply: unknown): unknown[] {
  if (!Array.isArray(reply)) {
    throw new RoomlogError('INTERNAL', 'unexpected reply from a Roomlog script', {
      backend: BACKEND,
      cause: new TypeError(`expected an array, got ${typeof reply}`),
    });
  }
  return reply;
}

/**
 * Creates a Redis-backed message store on the user's ioredis client.
 *
 * @param client - an ioredis `Redis` (standalone or Sentinel) or `Cluster`. For calls that fail
 *   fast while Redis is down instead of queueing, create it with `maxRetriesPerRequest` and
 *   `enableOfflineQueue: false` or `commandTimeout` (see the README).
 * @param options - key prefix, retention, payload limit, idempotency window, clock, `closeClient`.
 */
export function createRedisStore(client: RedisClient, options: RedisStoreOptions = {}): RedisMessageStore {
  return new RedisMessageStore(client, options);
}
