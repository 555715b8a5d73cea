// The store kit: what DriverStore does around any driver, whatever the driver does.
import { describe, expect, it } from 'vitest';
import {
  BoundedMap,
  type DriverPage,
  DriverStore,
  type PreparedBatch,
  type StoreDriver,
  backoffDelay,
  createDriverStore,
  resolveStoreOptions,
  storedMessage,
  streamDigest,
} from '../src/index';

const stream = { namespace: '/', room: 'kit' };

/** A driver that records what it was called with and answers from a fixed page. */
function recordingDriver(extra: Partial<StoreDriver> = {}): StoreDriver & { calls: unknown[][] } {
  const calls: unknown[][] = [];
  const head = { seq: 3, epoch: 'e', firstSeq: 3 };
  return {
    name: 'kit',
    options: resolveStoreOptions('kit'),
    calls,
    async append(batch: PreparedBatch) {
      calls.push(['append', batch]);
      return new Map();
    },
    async read(ref, query): Promise<DriverPage | null> {
      calls.push(['read', ref, query]);
      return { head, messages: [], hasMore: false };
    },
    async head(ref) {
      calls.push(['head', ref]);
      return head;
    },
    ...extra,
  };
}

const code = (c: string) =>
  expect.objectContaining({ name: 'RoomlogError', code: c, message: expect.stringMatching(/^\[roomlog\] \[kit\] /) });

describe('DriverStore', () => {
  it('derives its capabilities from the methods and flags the driver has', () => {
    expect(createDriverStore(recordingDriver()).capabilities).toEqual({
      editDelete: false,
      retention: false,
      cursors: false,
      erase: false,
      transactions: false,
      import: false,
      streams: false,
      cursorList: false,
    });
    expect(createDriverStore(recordingDriver()).ping).toBeUndefined();
    const full = recordingDriver({
      retention: true,
      transactions: true,
      change: async () => null,
      setCursor: async () => 0,
      getCursor: async () => 0,
      unreadCount: async () => 0,
      listCursors: async () => ({ cursors: [], next: null }),
      eraseSender: async () => 0,
      importEntries: async () => ({ imported: 0, skipped: 0, head: null }),
      listStreams: async () => ({ streams: [], next: null }),
      dropStream: async () => false,
      ping: async () => {},
    });
    const store = new DriverStore(full);
    expect(store.capabilities).toEqual({
      editDelete: true,
      retention: true,
      cursors: true,
      erase: true,
      transactions: true,
      import: true,
      streams: true,
      cursorList: true,
    });
    expect(typeof store.ping).toBe('function');
  });

  it('refuses a driver with only part of a capability', () => {
    expect(() => createDriverStore(recordingDriver({ setCursor: async () => 0 }))).toThrow(code('INVALID_ARGUMENT'));
    expect(() => createDriverStore(recordingDriver({ dropStream: async () => true }))).toThrow(code('INVALID_ARGUMENT'));
  });

  it('rejects CLOSED before any argument error, on every method, and never throws synchronously', async () => {
    const driver = recordingDriver({ change: async () => null, ping: async () => {} });
    const store = createDriverStore(driver);
    await store.close();
    const bad = null as never;
    const calls = [
      () => store.append(bad),
      () => store.read(bad, bad),
      () => store.head(bad),
      () => store.edit(bad, bad, undefined, bad),
      () => store.delete(bad, bad, bad),
      () => store.setCursor(bad, bad, bad),
      () => store.getCursor(bad, bad),
      () => store.unreadCount(bad, bad),
      () => store.eraseSender(bad),
      () => store.importEntries(bad, bad),
      () => store.listStreams(bad),
      () => store.dropStream(bad),
      () => store.ping!(),
    ];
    for (const call of calls) {
      let pending: Promise<unknown> | undefined;
      expect(() => {
        pending = call();
      }).not.toThrow();
      await expect(pending).rejects.toEqual(code('CLOSED'));
    }
    expect(driver.calls).toEqual([]);
  });

  it('validates before the driver sees anything, and answers UNSUPPORTED for what the driver lacks', async () => {
    const driver = recordingDriver();
    const store = createDriverStore(driver);
    await expect(store.read({ namespace: '/', room: '' })).rejects.toEqual(code('INVALID_ARGUMENT'));
    await expect(store.read(stream, { limit: 1001 })).rejects.toEqual(code('INVALID_ARGUMENT'));
    await expect(store.append([{ ...stream, event: 'm', data: 1, ttlMs: 5 }])).rejects.toEqual(code('UNSUPPORTED'));
    await expect(store.edit(stream, 1, 'x')).rejects.toEqual(code('UNSUPPORTED'));
    await expect(store.setCursor(stream, 'u', 1)).rejects.toEqual(code('UNSUPPORTED'));
    await expect(store.eraseSender('u')).rejects.toEqual(code('UNSUPPORTED'));
    expect(driver.calls).toEqual([]);
    expect(await store.append([])).toEqual([]);
    expect(driver.calls).toEqual([]);
  });

  it('passes a normalized query and assembles the result, truncated included', async () => {
    const driver = recordingDriver();
    const store = createDriverStore(driver);
    expect(await store.read(stream, { after: 1 })).toEqual({
      messages: [],
      head: { seq: 3, epoch: 'e', firstSeq: 3 },
      hasMore: false,
      truncated: true,
    });
    expect(await store.read(stream, { after: 2 })).toMatchObject({ truncated: false });
    expect(driver.calls[0]).toEqual(['read', stream, { after: 1, before: null, limit: 50 }]);
    const empty = createDriverStore(recordingDriver({ read: async () => null }));
    expect(await empty.read(stream)).toEqual({ messages: [], head: null, hasMore: false, truncated: false });
  });

  it('turns a change the driver did not find into NOT_FOUND, and a driver error into a RoomlogError of its code', async () => {
    const store = createDriverStore(
      recordingDriver({
        change: async () => null,
        classify: () => 'UNAVAILABLE',
        head: async () => {
          throw new Error('connection lost');
        },
      }),
    );
    await expect(store.delete(stream, 7)).rejects.toEqual(
      expect.objectContaining({ code: 'NOT_FOUND', message: '[roomlog] [kit] no live message 7 in room "kit"' }),
    );
    await expect(store.head(stream)).rejects.toEqual(code('UNAVAILABLE'));
  });

  it('encodes edited data before the driver sees it, and refuses data over the limit', async () => {
    let seen: unknown;
    const store = createDriverStore({
      ...recordingDriver(),
      options: resolveStoreOptions('kit', { maxPayloadBytes: 10 }),
      change: async (_ref, change) => {
        seen = change;
        return null;
      },
    });
    await expect(store.edit(stream, 1, 'x'.repeat(20))).rejects.toEqual(code('PAYLOAD_TOO_LARGE'));
    await expect(store.edit(stream, 1, { a: 1 }, 'bob')).rejects.toEqual(code('NOT_FOUND'));
    expect(seen).toEqual({ kind: 'edit', seq: 1, by: 'bob', payload: expect.any(String) });
  });
});

describe('the kit helpers', () => {
  it('storedMessage decodes the payload and keeps a tombstone null', () => {
    const entry = {
      seq: 1,
      id: 'i',
      event: 'm',
      payload: null,
      senderId: null,
      clientMessageId: null,
      createdAt: 1,
      kind: 'message' as const,
      target: null,
      version: 2,
      editedAt: null,
      deletedAt: 5,
      expiresAt: null,
    };
    expect(storedMessage('kit', stream, 'e', entry)).toEqual({ ...stream, ...entry, epoch: 'e', data: null, payload: undefined });
  });

  it('streamDigest is 32 hex digits, fixed for a stream and distinct across the NUL boundary', () => {
    expect(streamDigest('/', 'room')).toMatch(/^[0-9a-f]{32}$/);
    expect(streamDigest('/', 'room')).toBe(streamDigest('/', 'room'));
    expect(streamDigest('/a', 'b')).not.toBe(streamDigest('/', 'ab'));
  });

  it('backoffDelay stays within the doubling bound and the cap', () => {
    for (let attempt = 1; attempt < 12; attempt++) {
      const delay = backoffDelay(attempt, { baseMs: 2, maxMs: 40 });
      expect(delay).toBeGreaterThanOrEqual(0);
      expect(delay).toBeLessThan(Math.min(40, 2 * 2 ** (attempt - 1)));
    }
  });

  it('BoundedMap forgets its oldest entry when a new key comes to a full map', () => {
    const map = new BoundedMap<string, number>(2);
    map.set('a', 1).set('b', 2).set('a', 3);
    expect([...map]).toEqual([
      ['a', 3],
      ['b', 2],
    ]);
    map.set('c', 4);
    expect([...map.keys()]).toEqual(['b', 'c']);
    expect(() => new BoundedMap(0)).toThrow(RangeError);
  });
});
