/**
 * The commands' output and exit codes against real servers: help, usage errors, ping, rooms,
 * stats, read, tail, prune, malformed and conflicting imports, and a resumed import.
 */
import { randomUUID } from 'node:crypto';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { type ImportEntry, type ImportResult, type ImportStream, type MessageStore, createMemoryStore, streamDigest } from '@roomlog/core';
import { createRedisStore } from '@roomlog/redis';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { EXIT_CODES } from '../src/exit-codes';
import { COMMANDS } from '../src/main';
import { exportLog, importLog } from '../src/move';
import { cli, freshStream, freshUrls, readAll, seed } from './harness';

const urls = await freshUrls();
const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
const prefix = new URL(urls.redis).searchParams.get('prefix')!;
const store = createRedisStore(redis, { prefix });

afterAll(async () => {
  for (const stream of (await store.listStreams({ limit: 1000 })).streams) await store.dropStream(stream);
  await store.close();
  await redis.quit();
});

const lines = (text: string) => text.split('\n').filter((line) => line !== '');

describe('help and usage', () => {
  it('roomlog --help lists every command and the exit codes; no command is a usage error', async () => {
    const help = await cli(['--help']);
    expect(help.code).toBe(0);
    for (const command of COMMANDS) expect(help.stdout).toContain(`  ${command.name} `);
    expect(help.stdout).toContain('Exit codes');
    expect((await cli([])).code).toBe(EXIT_CODES.usage);
  });

  it('every command answers --help with its usage and exit 0', async () => {
    for (const command of COMMANDS) {
      const run = await cli([command.name, '--help']);
      expect(run.code).toBe(0);
      expect(run.stdout.startsWith(`Usage: roomlog ${command.name} `)).toBe(true);
    }
  });

  it('unknown commands and options, missing arguments and bad URLs exit 2', async () => {
    expect((await cli(['frobnicate'])).code).toBe(EXIT_CODES.usage);
    const badOption = await cli(['rooms', urls.redis, '--no-such-option']);
    expect(badOption.code).toBe(EXIT_CODES.usage);
    expect(badOption.stderr).toContain('see roomlog rooms --help');
    expect((await cli(['stats', urls.redis])).code).toBe(EXIT_CODES.usage);
    expect((await cli(['read', urls.redis, 'r', '--limit', 'ten'])).code).toBe(EXIT_CODES.usage);
    expect((await cli(['prune', urls.redis, '--idle', 'soon'])).code).toBe(EXIT_CODES.usage);
    expect((await cli(['rooms'])).code).toBe(EXIT_CODES.usage);
    expect((await cli(['rooms', 'ftp://example.com'])).code).toBe(EXIT_CODES.usage);
    expect((await cli(['rooms', 'sqlite:'])).code).toBe(EXIT_CODES.usage);
  });
});

describe('ping', () => {
  it('ready: exit 0 and "ok <backend>"; unreachable: exit 3; schema missing: exit 1 and nothing created', async () => {
    const ok = await cli(['ping', urls.redis]);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/^ok redis \d+ms\n$/);
    const down = await cli(['ping', 'redis://127.0.0.1:1', '--timeout', '500']);
    expect(down.code).toBe(EXIT_CODES.unavailable);
    expect(down.stderr).toContain('UNAVAILABLE');
    const empty = `${process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test'}?schema=clitest_none_${randomUUID().slice(0, 8).replaceAll('-', '')}`;
    const missing = await cli(['ping', empty]);
    expect(missing.code).toBe(EXIT_CODES.internal);
    expect(missing.stderr).toContain('run store.migrate()');
    expect((await cli(['ping', empty])).code).toBe(EXIT_CODES.internal);
  });
});

describe('looking into rooms', () => {
  it('rooms, stats, read and tail print the log as JSON lines; a room never written exits 4', async () => {
    const stream = freshStream();
    await seed(store, stream, 40);
    const rooms = await cli(['rooms', urls.redis, '--json', '--namespace', stream.namespace]);
    expect(rooms.code).toBe(0);
    const head = (await store.head(stream))!;
    expect(lines(rooms.stdout).map((line) => JSON.parse(line))).toEqual([{ ...stream, seq: head.seq, firstSeq: 1, epoch: head.epoch }]);

    const stats = await cli(['stats', urls.redis, stream.room, '-n', stream.namespace, '--json']);
    expect(stats.code).toBe(0);
    expect(JSON.parse(stats.stdout)).toMatchObject({
      seq: 40,
      entries: 40,
      messages: 37,
      edits: 2,
      deletes: 1,
      tombstones: 1,
      epoch: head.epoch,
    });

    const all = await readAll(store, stream);
    const read = await cli(['read', urls.redis, stream.room, '-n', stream.namespace, '--after', '10', '--limit', '5']);
    expect(read.code).toBe(0);
    const entries = lines(read.stdout).map((line) => JSON.parse(line) as { seq: number; id: string; data: unknown; room: string });
    expect(entries.map((e) => e.seq)).toEqual([11, 12, 13, 14, 15]);
    expect(entries.map((e) => e.id)).toEqual(all.slice(10, 15).map((m) => m.id));
    expect(entries[0]!.room).toBe(stream.room);
    // Binary data in the stored form: {"$bin": base64}, `$` keys with one more `$`.
    const binary = lines((await cli(['read', urls.redis, stream.room, '-n', stream.namespace, '--after', '0', '--limit', '1'])).stdout)[0]!;
    expect(JSON.parse(binary).data).toEqual({
      bin: { $bin: Buffer.from([0, 0, 255]).toString('base64') },
      $$where: 'x',
      text: 'héllo 0 👋',
    });

    const before = await cli(['read', urls.redis, stream.room, '-n', stream.namespace, '--before', '4', '--limit', '1500']);
    expect(lines(before.stdout).map((line) => JSON.parse(line).seq)).toEqual([1, 2, 3]);

    const tail = await cli(['tail', urls.redis, stream.room, '-n', stream.namespace, '--lines', '3']);
    expect(lines(tail.stdout).map((line) => JSON.parse(line).seq)).toEqual([38, 39, 40]);

    for (const command of ['stats', 'read', 'tail']) {
      const missing = await cli([command, urls.redis, 'never-written', '-n', stream.namespace]);
      expect(missing.code, command).toBe(EXIT_CODES.notFound);
    }
  });

  it('tail --follow prints entries appended while it runs and stops on the signal', async () => {
    const stream = freshStream();
    await store.append([{ ...stream, event: 'chat', data: 'first' }]);
    const stop = new AbortController();
    const following = cli(['tail', urls.redis, stream.room, '-n', stream.namespace, '--follow', '--interval', '20'], '', stop.signal);
    await new Promise((resolve) => setTimeout(resolve, 200));
    await store.append([{ ...stream, event: 'chat', data: 'second' }]);
    const deadline = Date.now() + 5000;
    while ((await store.head(stream))!.seq < 2 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
    await new Promise((resolve) => setTimeout(resolve, 300));
    stop.abort();
    const run = await following;
    expect(run.code).toBe(0);
    expect(lines(run.stdout).map((line) => JSON.parse(line).data)).toEqual(['first', 'second']);
  });
});

describe('prune', () => {
  it('lists idle streams without dropping them, drops them with --yes, keeps active ones', async () => {
    const namespace = `/prune-${randomUUID().slice(0, 8)}`;
    const old = createRedisStore(redis, { prefix, now: () => Date.now() - 40 * 86_400_000 });
    await old.append([{ namespace, room: 'idle', event: 'chat', data: 1 }]);
    await store.append([{ namespace, room: 'active', event: 'chat', data: 1 }]);
    const dry = await cli(['prune', urls.redis, '--idle', '30d', '--namespace', namespace, '--json']);
    expect(dry.code).toBe(0);
    expect(lines(dry.stdout).map((line) => JSON.parse(line))).toEqual([expect.objectContaining({ room: 'idle', dropped: false })]);
    expect(dry.stderr).toContain('dry run');
    expect(await store.head({ namespace, room: 'idle' })).not.toBeNull();
    const wet = await cli(['prune', urls.redis, '--idle', '30d', '--namespace', namespace, '--yes']);
    expect(wet.code).toBe(0);
    expect(wet.stdout).toContain('dropped');
    expect(await store.head({ namespace, room: 'idle' })).toBeNull();
    expect(await store.head({ namespace, room: 'active' })).not.toBeNull();
  });
});

describe('streams without stored names (Redis, older versions)', () => {
  it('rooms, export and prune say how many they left out; roomlog name names them; exit 5 off Redis', async () => {
    const namespace = `/unnamed-${randomUUID()}`;
    const old = [
      { namespace, room: 'old-1' },
      { namespace, room: 'old 2' },
    ];
    for (const ref of old) {
      await store.append([{ ...ref, event: 'chat', data: 'before names were stored' }]);
      // What a version before names were stored left in the meta hash.
      await redis.hdel(`${prefix}:{${streamDigest(ref.namespace, ref.room)}}:m`, 'ns', 'room');
    }
    const rooms = await cli(['rooms', urls.redis, '--namespace', namespace]);
    expect(rooms.code).toBe(0);
    expect(lines(rooms.stdout)).toHaveLength(1); // the header
    expect(rooms.stderr).toContain('2 streams of this redis store have no stored name');
    expect((await cli(['export', urls.redis, '--namespace', namespace])).stderr).toContain('2 streams');
    expect((await cli(['prune', urls.redis, '--idle', '0s', '--namespace', namespace])).stderr).toContain('2 streams');

    const named = await cli(['name', urls.redis, '--namespace', namespace, 'old-1', 'never-written']);
    expect(named).toMatchObject({ code: 0 });
    expect(named.stderr).toContain('named 1 of 2 rooms');
    const fromInput = await cli(['name', urls.redis], `${JSON.stringify({ namespace, room: 'old 2' })}\n\n`);
    expect(fromInput.stderr).toContain('named 1 of 1 rooms');
    const listed = await cli(['rooms', urls.redis, '--namespace', namespace, '--json']);
    expect(listed.stderr).toBe('');
    expect(
      lines(listed.stdout)
        .map((line) => JSON.parse(line).room)
        .sort(),
    ).toEqual(['old 2', 'old-1']);
    expect((await cli(['name', urls.redis], '{not json\n')).code).toBe(EXIT_CODES.dataError);
    expect((await cli(['name', urls.postgres, 'r'])).code).toBe(EXIT_CODES.unsupported);
  });

  it('prune under a listing that names a stream twice drops it once and reports it once', async () => {
    const source = createMemoryStore({ now: () => Date.UTC(2020, 0, 1) });
    const stream = freshStream();
    await source.append([{ ...stream, event: 'chat', data: 'old' }]);
    const listTwice = async (query?: { after?: string }) => {
      const { streams } = await source.listStreams({ limit: 1000 });
      return query?.after === undefined ? { streams, next: 'again' } : { streams, next: null };
    };
    let drops = 0;
    const twice = new Proxy(source, {
      get(target, key) {
        if (key === 'listStreams') return listTwice;
        if (key === 'dropStream') {
          return (ref: typeof stream) => {
            drops++;
            return target.dropStream(ref);
          };
        }
        const value = Reflect.get(target, key, target);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    }) as MessageStore;
    const out: string[] = [];
    const err: string[] = [];
    const sink = (into: string[]) =>
      new Writable({
        write: (chunk: Buffer, _encoding, done) => {
          into.push(chunk.toString());
          done();
        },
      });
    const { pruneOn } = await import('../src/commands/prune');
    const code = await pruneOn(twice, { idleMs: 1000, yes: true, json: true }, { stdout: sink(out), stderr: sink(err) });
    expect(code).toBe(0);
    expect(drops).toBe(1);
    expect(
      out
        .join('')
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line).dropped),
    ).toEqual([true]);
    expect(err.join('')).toContain('1 idle stream');
  });
});

describe('import errors and resuming', () => {
  it('malformed input, an entry before its stream and a room holding another log exit 6 and write nothing', async () => {
    const stream = freshStream();
    const header = JSON.stringify({ type: 'roomlog-export', version: 1, source: 'test', exportedAt: new Date().toISOString() });
    const streamLine = JSON.stringify({ type: 'stream', ...stream, epoch: randomUUID(), seq: 1, firstSeq: 1 });
    const entry = JSON.stringify({ type: 'entry', seq: 1, id: randomUUID(), epoch: randomUUID(), event: 'chat', data: 'x', createdAt: 1 });
    for (const input of [
      'not json\n',
      `${streamLine}\n`,
      `${header}\n${entry}\n`,
      `${header}\n${streamLine}\n{"type":"entry","seq":0}\n`,
      `${header}\n{"type":"cursor","userId":"u","seq":1}\n`,
      `${header}\n${streamLine}\n{"type":"cursor","userId":"u","seq":-1}\n`,
      `${header}\n${streamLine}\n{"type":"cursor","seq":1}\n`,
      '',
    ]) {
      const run = await cli(['import', urls.redis], input);
      expect(run.code, input).toBe(EXIT_CODES.dataError);
    }
    expect(await store.head(stream)).toBeNull();
    await store.append([{ ...stream, event: 'chat', data: 'live' }]);
    const conflict = await cli(['import', urls.redis], `${header}\n${streamLine}\n${entry}\n`);
    expect(conflict.code).toBe(EXIT_CODES.dataError);
    expect(conflict.stderr).toContain('holds another log');
    expect((await store.read(stream)).messages.map((m) => m.data)).toEqual(['live']);
  });

  it('read markers move with the log, past a page of them; a stream listed twice (SCAN) moves once, a re-run changes nothing', async () => {
    const source = createMemoryStore();
    const stream = freshStream();
    await seed(source, stream, 50);
    const markers = new Map(Array.from({ length: 1005 }, (_, i) => [`member-${i}`, (i % 50) + 1] as const));
    for (const [user, seq] of markers) await source.setCursor(stream, user, seq);
    // A listing that names every stream twice, on separate pages, as Redis SCAN may.
    const listTwice = async (query?: { after?: string }) => {
      const { streams } = await source.listStreams({ limit: 1000 });
      return query?.after === undefined ? { streams, next: 'again' } : { streams, next: null };
    };
    const twice = new Proxy(source, {
      get(target, key) {
        if (key === 'listStreams') return listTwice;
        const value = Reflect.get(target, key, target);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    }) as MessageStore;
    const chunks: string[] = [];
    const out = new Writable({
      write: (chunk: Buffer, _encoding, done) => {
        chunks.push(chunk.toString());
        done();
      },
    });
    const exported = await exportLog(twice, out, {});
    expect(exported).toMatchObject({ streams: 2, cursors: 2010, cursorsLeftOut: false });
    const lines = chunks.join('').split('\n').filter(Boolean);
    expect(lines.filter((line) => line.startsWith('{"type":"cursor"'))).toHaveLength(2010);
    const target = createMemoryStore();
    for (let run = 0; run < 2; run++) {
      const summary = await importLog(target, lines);
      expect(summary).toMatchObject({ streams: 2, cursors: 2010, imported: run === 0 ? 50 : 0 });
      expect(await readAll(target, stream)).toEqual(await readAll(source, stream));
      for (const [user, seq] of markers) expect(await target.getCursor(stream, user)).toBe(seq);
      expect(await target.unreadCount(stream, 'member-3')).toBe(await source.unreadCount(stream, 'member-3'));
    }
  });

  it('an interrupted import saves its line; the next run passes over it and ends with the whole log', async () => {
    const source = createMemoryStore();
    const stream = freshStream();
    await seed(source, stream, 2500);
    const chunks: string[] = [];
    const out = new Writable({
      write: (chunk: Buffer, _encoding, done) => {
        chunks.push(chunk.toString());
        done();
      },
    });
    await exportLog(source, out, { streams: [stream] });
    const exported = chunks.join('').split('\n').filter(Boolean);
    const target = createMemoryStore();
    const checkpoint = join(await mkdtemp(join(tmpdir(), 'roomlog-ckpt-')), 'import.json');
    const stop = new AbortController();
    // Stops after the first batch of 1000 has been written.
    const stopping: MessageStore = Object.assign(Object.create(target) as MessageStore, {
      importEntries: async (s: ImportStream, e: readonly ImportEntry[]): Promise<ImportResult> => {
        const result = await target.importEntries(s, e);
        stop.abort();
        return result;
      },
    });
    const first = await importLog(stopping, exported, { checkpoint, signal: stop.signal });
    expect(first).toMatchObject({ interrupted: true, imported: 1000 });
    expect(JSON.parse(await readFile(checkpoint, 'utf8')).line).toBe(1002);
    const second = await importLog(target, exported, { checkpoint });
    expect(second).toMatchObject({ interrupted: false, imported: 1500, skipped: 0 });
    expect(await readAll(target, stream)).toEqual(await readAll(source, stream));
  });
});
