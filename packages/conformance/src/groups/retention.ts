/** Rule 8: maxCount, maxAgeMs and per-message ttlMs; expired entries are never returned; seqs never reused. */
import type { MessageStore, NewMessage, StreamRef } from '@roomlog/core';
import { expect, it } from 'vitest';
import { range, seqs } from '../assertions';
import { manualClock } from '../clock';
import { defineGroup, fill, freshStream, message, messages, uniqueId } from '../harness';

/**
 * How many expired entries a stream may still physically hold once retention had its chance
 * (see `RETENTION_SETTLE_WRITES`). Backends may delete lazily, in bounded sweeps run by later
 * writes so that no write holds a stream's locks for long, and a sweep may stop a little short.
 * The tests write several times this many entries, so a store that never deletes exceeds it.
 */
export const RETENTION_LAG_ALLOWANCE = 10;

/**
 * One-message appends the tests make to a stream after its entries expired, before counting
 * what is stored: the writes that give lazy sweeps their chance. Together they must clear a
 * backlog of {@link RETENTION_EXPIRED_BACKLOG} expired entries, give or take the allowance.
 */
export const RETENTION_SETTLE_WRITES = 3;

/** How many entries the physical-removal tests let expire at once. */
export const RETENTION_EXPIRED_BACKLOG = 50;

/** Rule 8 tests (capability `retention`). */
export const retentionTests = defineGroup('rule 8: retention', 'retention', (h) => {
  /** The physical-removal tests need `inspect` to see what the database holds. */
  const withInspector = h.withInspector;
  it('rule 8: maxCount keeps the newest entries; firstSeq and truncated say what was lost', async () => {
    const store = await h.open({ maxCount: 5 });
    const stream = freshStream();
    await store.append(messages(stream, 3));
    await store.append(messages(stream, 5, 4));
    const head = await store.head(stream);
    expect(head).toMatchObject({ seq: 8, firstSeq: 4 });
    expect(seqs((await store.read(stream)).messages)).toEqual([4, 5, 6, 7, 8]);
    const fromStart = await store.read(stream, { after: 0 });
    expect(seqs(fromStart.messages)).toEqual([4, 5, 6, 7, 8]);
    expect(fromStart.truncated).toBe(true);
    expect((await store.read(stream, { after: 2 })).truncated).toBe(true);
    const caughtUp = await store.read(stream, { after: 3 });
    expect(caughtUp.truncated).toBe(false);
    expect(seqs(caughtUp.messages)).toEqual([4, 5, 6, 7, 8]);
    expect((await store.read(stream, { after: 7 })).truncated).toBe(false);
    expect(seqs((await store.read(stream, { before: 6 })).messages)).toEqual([4, 5]);
    expect((await store.read(stream, { before: 6 })).hasMore).toBe(false);
  });

  it('rule 8: a batch larger than maxCount gets all its seqs; only the newest are kept', async () => {
    const store = await h.open({ maxCount: 3 });
    const stream = freshStream();
    const results = await store.append(messages(stream, 8));
    expect(results.map((r) => r.message.seq)).toEqual(range(1, 8));
    expect(seqs((await store.read(stream)).messages)).toEqual([6, 7, 8]);
    const [next] = await store.append([message(stream)]);
    expect(next?.message.seq).toBe(9);
    expect(await store.head(stream)).toMatchObject({ seq: 9, firstSeq: 7 });
  });

  it('rule 8: maxAgeMs expires entries at createdAt + maxAgeMs by the store clock; seqs and epoch survive', async () => {
    const clock = manualClock();
    const store = await h.open({ now: clock.now, maxAgeMs: 1000 });
    const stream = freshStream();
    const [first] = await store.append(messages(stream, 2));
    clock.advance(500);
    await store.append(messages(stream, 2, 3));
    clock.advance(499);
    expect(seqs((await store.read(stream)).messages)).toEqual([1, 2, 3, 4]);
    expect((await store.head(stream))?.firstSeq).toBe(1);
    clock.advance(1);
    const page = await store.read(stream, { after: 0 });
    expect(seqs(page.messages)).toEqual([3, 4]);
    expect(page.truncated).toBe(true);
    expect(page.head).toMatchObject({ seq: 4, firstSeq: 3 });
    clock.advance(500);
    const empty = await store.read(stream, { after: 0 });
    expect(empty.messages).toEqual([]);
    expect(empty.hasMore).toBe(false);
    expect(empty.truncated).toBe(true);
    expect(empty.head).toEqual({ seq: 4, epoch: first?.message.epoch, firstSeq: 5 });
    const [next] = await store.append([message(stream)]);
    expect(next?.message).toMatchObject({ seq: 5, epoch: first?.message.epoch });
    expect(seqs((await store.read(stream)).messages)).toEqual([5]);
  });

  it('rule 8: a message ttlMs hides that message from expiresAt on, leaving the others', async () => {
    const clock = manualClock();
    const store = await h.open({ now: clock.now });
    const stream = freshStream();
    const results = await store.append([
      message(stream, 'short', { ttlMs: 1000 }),
      message(stream, 'forever'),
      message(stream, 'long', { ttlMs: 2000 }),
    ]);
    expect(results.map((r) => r.message.expiresAt)).toEqual([clock.now() + 1000, null, clock.now() + 2000]);
    clock.advance(999);
    expect((await store.read(stream)).messages.map((m) => m.data)).toEqual(['short', 'forever', 'long']);
    clock.advance(1);
    expect((await store.read(stream)).messages.map((m) => m.data)).toEqual(['forever', 'long']);
    clock.advance(1000);
    const page = await store.read(stream, { after: 0 });
    expect(page.messages.map((m) => m.data)).toEqual(['forever']);
    expect(page.head).toMatchObject({ seq: 3, firstSeq: 1 });
  });

  it('rule 8: hasMore and limit count live entries only', async () => {
    const clock = manualClock();
    const store = await h.open({ now: clock.now });
    const stream = freshStream();
    await store.append([
      message(stream, 'a', { ttlMs: 10 }),
      message(stream, 'b'),
      message(stream, 'c', { ttlMs: 10 }),
      message(stream, 'd'),
      message(stream, 'e', { ttlMs: 10 }),
    ]);
    clock.advance(10);
    const latest = await store.read(stream, { limit: 2 });
    expect(latest.messages.map((m) => m.data)).toEqual(['b', 'd']);
    expect(latest.hasMore).toBe(false);
    const forward = await store.read(stream, { after: 0, limit: 1 });
    expect(forward.messages.map((m) => m.data)).toEqual(['b']);
    expect(forward.hasMore).toBe(true);
    const rest = await store.read(stream, { after: 2, limit: 1 });
    expect(rest.messages.map((m) => m.data)).toEqual(['d']);
    expect(rest.hasMore).toBe(false);
    const back = await store.read(stream, { before: 4, limit: 1 });
    expect(back.messages.map((m) => m.data)).toEqual(['b']);
    expect(back.hasMore).toBe(false);
  });

  it('rule 8: expired entries are never returned by another instance either', async () => {
    const clock = manualClock();
    const [a, b] = await h.openMany(2, { now: clock.now, maxAgeMs: 100 });
    const stream = freshStream();
    await a!.append(messages(stream, 3));
    clock.advance(100);
    const page = await b!.read(stream, { after: 0 });
    expect(page.messages).toEqual([]);
    expect(page.truncated).toBe(true);
  });

  it('rule 8: under concurrent appends from 4 instances, maxCount keeps exactly the newest entries', async () => {
    const stores = await h.openMany(4, { maxCount: 10 });
    const stream = freshStream();
    const batchSizes = [1, 2, 3, 1, 2, 3, 1, 2, 3, 1];
    await Promise.all(
      stores.map(async (store) => {
        for (const size of batchSizes) await store.append(messages(stream, size));
      }),
    );
    const total = stores.length * batchSizes.reduce((sum, size) => sum + size, 0);
    expect(await stores[0]!.head(stream)).toMatchObject({ seq: total, firstSeq: total - 9 });
    for (const store of stores) expect(seqs((await store.read(stream, { after: 0 })).messages)).toEqual(range(total - 9, total));
  });

  it('rule 4 + 8: a clientMessageId whose message expired is stored again as a new message', async () => {
    const clock = manualClock();
    const store = await h.open({ now: clock.now });
    const stream = freshStream();
    const cid = uniqueId('cid');
    await store.append([message(stream, 'first', { clientMessageId: cid, ttlMs: 50 })]);
    clock.advance(50);
    const [again] = await store.append([message(stream, 'second', { clientMessageId: cid })]);
    expect(again).toMatchObject({ duplicate: false, message: { seq: 2, data: 'second' } });
    const [third] = await store.append([message(stream, 'third', { clientMessageId: cid })]);
    expect(third).toMatchObject({ duplicate: true, message: { seq: 2, data: 'second' } });
  });

  it('rule 4 + 8: a clientMessageId pushed out by maxCount is stored again', async () => {
    const store = await h.open({ maxCount: 2 });
    const stream = freshStream();
    const cid = uniqueId('cid');
    await store.append([message(stream, 'first', { clientMessageId: cid }), ...messages(stream, 2)]);
    const [again] = await store.append([message(stream, 'again', { clientMessageId: cid })]);
    expect(again).toMatchObject({ duplicate: false, message: { seq: 4 } });
  });

  it('rule 4 + 8: a clientMessageId whose message aged out by maxAgeMs is stored again, on every instance', async () => {
    const clock = manualClock();
    const [a, b] = await h.openMany(2, { now: clock.now, maxAgeMs: 100 });
    const stream = freshStream();
    const cid = uniqueId('cid');
    await a!.append([message(stream, 'first', { clientMessageId: cid })]);
    clock.advance(100);
    const [again] = await b!.append([message(stream, 'second', { clientMessageId: cid })]);
    expect(again, 'rule 4 + 8: a retry of an aged-out message was acked as a duplicate of a message nobody can read').toMatchObject({
      duplicate: false,
      message: { seq: 2, data: 'second' },
    });
    expect((await a!.read(stream)).messages.map((m) => m.data)).toEqual(['second']);
  });

  it('rule 4 + 8: in a batch [new, retry of the oldest retained] under maxCount 2, the retry is a duplicate of the entry the batch found retained', async () => {
    const store = await h.open({ maxCount: 2 });
    const stream = freshStream();
    const cid = uniqueId('cid');
    const [oldest] = await store.append([message(stream, 'k', { clientMessageId: cid }), message(stream, 'second')]);
    const [fresh, retry] = await store.append([message(stream, 'new'), message(stream, 'k retried', { clientMessageId: cid })]);
    expect(fresh, 'rule 3: the new message').toMatchObject({ duplicate: false, message: { seq: 3, data: 'new' } });
    // Decided in docs/guarantees.md (rule 4): a batch is checked against the stream as the call found it.
    expect(retry, 'rule 4: the retry of a message retained when the call began must be its duplicate').toEqual({
      message: oldest?.message,
      duplicate: true,
    });
    expect(await store.head(stream), 'rule 8: the batch pushed the original out by maxCount').toMatchObject({ seq: 3, firstSeq: 2 });
    expect(seqs((await store.read(stream, { after: 0 })).messages)).toEqual([2, 3]);
    const [later] = await store.append([message(stream, 'k again', { clientMessageId: cid })]);
    expect(later, 'rule 4 + 8: once pushed out, the key is free').toMatchObject({ duplicate: false, message: { seq: 4 } });
  });

  /**
   * One stream of three entries by each retention kind: seq 1 by `sender`, expired; seq 2 by
   * bob and seq 3 by `sender`, both live.
   */
  const expiredBy = {
    maxCount: async (sender: string) => {
      const store = await h.open({ maxCount: 2 });
      const stream = freshStream();
      await store.append([
        message(stream, 'gone', { senderId: sender }),
        message(stream, 'bob', { senderId: 'bob' }),
        message(stream, 'live', { senderId: sender }),
      ]);
      return { store, stream };
    },
    maxAgeMs: async (sender: string) => {
      const clock = manualClock();
      const store = await h.open({ now: clock.now, maxAgeMs: 1000 });
      const stream = freshStream();
      await store.append([message(stream, 'gone', { senderId: sender })]);
      clock.advance(500);
      await store.append([message(stream, 'bob', { senderId: 'bob' }), message(stream, 'live', { senderId: sender })]);
      clock.advance(500);
      return { store, stream };
    },
    ttlMs: async (sender: string) => {
      const clock = manualClock();
      const store = await h.open({ now: clock.now });
      const stream = freshStream();
      await store.append([
        message(stream, 'gone', { senderId: sender, ttlMs: 100 }),
        message(stream, 'bob', { senderId: 'bob' }),
        message(stream, 'live', { senderId: sender }),
      ]);
      clock.advance(100);
      return { store, stream };
    },
  } as const;

  for (const kind of ['maxCount', 'maxAgeMs', 'ttlMs'] as const) {
    h.needs('erase')(`erase + 8: an entry expired by ${kind} is not counted as erased`, async () => {
      const sender = uniqueId('user');
      const { store, stream } = await expiredBy[kind](sender);
      expect(
        await store.eraseSender!(sender),
        `erase + 8: eraseSender counted an entry expired by ${kind} (only the live one counts)`,
      ).toBe(1);
      expect(
        (await store.read(stream, { after: 0 })).messages.map((m) => m.data),
        'erase + 8: an expired entry came back',
      ).toEqual(['bob', null]);
      expect(await store.eraseSender!(sender)).toBe(0);
    });

    h.needs('cursors')(`rule 9 + 8: unreadCount does not count an entry expired by ${kind}`, async () => {
      const { store, stream } = await expiredBy[kind]('carol');
      expect(await store.unreadCount!(stream, 'alice'), `rule 9 + 8: unreadCount counted an entry expired by ${kind}`).toBe(2);
      expect(await store.unreadCount!(stream, 'carol'), `rule 9 + 8: unreadCount of the sender, with an entry expired by ${kind}`).toBe(1);
    });

    it(`rule 5 + 8: with ${kind}, a read after the head is never truncated`, async () => {
      const { store, stream } = await expiredBy[kind]('carol');
      const head = (await store.head(stream))!;
      for (const after of [head.seq, head.seq + 1, head.seq + 100]) {
        const page = await store.read(stream, { after });
        expect(page.messages, `rule 5: read after ${after}, head ${head.seq}`).toEqual([]);
        expect(
          page.truncated,
          `rule 5 + 8: truncated is true for after ${after} at or beyond the head ${head.seq} (nothing was skipped)`,
        ).toBe(false);
      }
      expect((await store.read(stream, { after: head.firstSeq - 1 })).truncated, 'rule 5 + 8: after firstSeq - 1 is caught up').toBe(false);
    });
  }

  h.needs('erase', 'editDelete')("erase + 8: an entry an edit's log entry pushed below maxCount is not counted as erased", async () => {
    const store = await h.open({ maxCount: 2 });
    const stream = freshStream();
    const sender = uniqueId('user');
    await store.append([message(stream, 'gone', { senderId: sender }), message(stream, 'bob', { senderId: 'bob' })]);
    await store.edit!(stream, 2, 'bob, edited', 'bob');
    expect(await store.eraseSender!(sender), 'erase + 8: eraseSender counted an entry the edit log entry pushed out by maxCount').toBe(0);
    expect((await store.read(stream, { after: 0 })).messages.map((m) => [m.seq, m.data])).toEqual([
      [2, 'bob, edited'],
      [3, 'bob, edited'],
    ]);
  });

  it('rule 5 + 8: a read without after is never truncated, however much retention removed', async () => {
    const clock = manualClock();
    const store = await h.open({ now: clock.now, maxCount: 2, maxAgeMs: 1000 });
    const stream = freshStream();
    await store.append(messages(stream, 5));
    for (const query of [undefined, { limit: 1 }, { before: 5 }, { before: 2 }]) {
      expect((await store.read(stream, query)).truncated, `rule 5: truncated without after, ${JSON.stringify(query)}`).toBe(false);
    }
    clock.advance(1000);
    expect((await store.read(stream)).truncated, 'rule 5: truncated without after, everything aged out').toBe(false);
  });

  it('rule 5 + 8: without maxAgeMs a TTL-expired first entry moves neither firstSeq nor truncated', async () => {
    const { store, stream } = await expiredBy.ttlMs('carol');
    const page = await store.read(stream, { after: 0 });
    expect(page.head, 'rule 6: firstSeq moved for a TTL-expired entry without maxAgeMs').toMatchObject({ seq: 3, firstSeq: 1 });
    expect(page.truncated, 'rule 5 + 8: truncated for a TTL-expired entry without maxAgeMs').toBe(false);
    expect(page.messages.map((m) => m.data)).toEqual(['bob', 'live']);
  });

  it('rule 5 + 8: with maxAgeMs firstSeq is the oldest live entry, so a TTL-expired first entry moves it and after: 0 is truncated', async () => {
    const clock = manualClock();
    const store = await h.open({ now: clock.now, maxAgeMs: 10_000 });
    const stream = freshStream();
    await store.append([message(stream, 'short', { ttlMs: 100 }), message(stream, 'long'), message(stream, 'short 2', { ttlMs: 100 })]);
    clock.advance(100);
    const page = await store.read(stream, { after: 0 });
    expect(page.head, 'rule 6: with maxAgeMs, firstSeq is the oldest entry live by every rule').toMatchObject({ seq: 3, firstSeq: 2 });
    expect(page.truncated, 'rule 5 + 8: after 0 skipped an expired entry below firstSeq').toBe(true);
    expect((await store.read(stream, { after: 1 })).truncated).toBe(false);
    expect(page.messages.map((m) => m.data)).toEqual(['long']);
  });

  withInspector("rule 8: TTL-expired entries written by one instance are physically removed by another instance's writes", async () => {
    const clock = manualClock();
    const [writer, other] = await h.openMany(2, { now: clock.now });
    const stream = freshStream();
    for (let i = 0; i < RETENTION_EXPIRED_BACKLOG; i += 10) await writer!.append(messages(stream, 10, i + 1, { ttlMs: 100 }));
    clock.advance(100);
    for (let i = 0; i < RETENTION_SETTLE_WRITES; i++) await other!.append([message(stream, 'settle')]);
    const stored = await h.options.inspect!.storedCount(stream);
    expect(
      stored,
      `rule 8: ${RETENTION_EXPIRED_BACKLOG} TTL-expired entries written by another instance are still stored (${stored} rows for ${RETENTION_SETTLE_WRITES} live)`,
    ).toBeLessThanOrEqual(RETENTION_SETTLE_WRITES + RETENTION_LAG_ALLOWANCE);
  });

  /**
   * Appends {@link RETENTION_SETTLE_WRITES} single messages, then asserts the database holds the
   * stream's `live` entries (at least; they are returned) plus at most the lag allowance.
   */
  const expectRemovedAfterSettling = async (
    store: MessageStore,
    stream: StreamRef,
    live: number,
    expired: string,
    settleFields: Partial<NewMessage> = {},
  ) => {
    for (let i = 0; i < RETENTION_SETTLE_WRITES; i++) await store.append([message(stream, 'settle', settleFields)]);
    const stored = await h.options.inspect!.storedCount(stream);
    expect(stored, 'fewer entries stored than read returns').toBeGreaterThanOrEqual(live);
    expect(stored, `${expired} are still stored beyond ${live} live + ${RETENTION_LAG_ALLOWANCE} allowed`).toBeLessThanOrEqual(
      live + RETENTION_LAG_ALLOWANCE,
    );
  };

  withInspector('rule 8: entries with different ttlMs are each physically removed once their own expiry passed', async () => {
    const clock = manualClock();
    const store = await h.open({ now: clock.now });
    const stream = freshStream();
    // The long-lived entries are written first, so a store that tracks only one expiry per stream
    // must keep track of the earliest one, not the latest; and after a sweep, the earliest of
    // what is left. Every write carries a TTL, the settling ones too (a long one).
    const group = 2 * RETENTION_LAG_ALLOWANCE;
    const settle = { ttlMs: 1_000_000 };
    await store.append(messages(stream, group, 1, { ttlMs: 20_000 }));
    await store.append(messages(stream, group, 1, { ttlMs: 10_000 }));
    await store.append(messages(stream, group, 1, { ttlMs: 100 }));
    clock.advance(100);
    await expectRemovedAfterSettling(store, stream, 2 * group + RETENTION_SETTLE_WRITES, `${group} entries past a ttlMs of 100`, settle);
    clock.advance(10_000 - 100);
    await expectRemovedAfterSettling(store, stream, group + 2 * RETENTION_SETTLE_WRITES, `${group} entries past a ttlMs of 10 s`, settle);
    clock.advance(10_000);
    await expectRemovedAfterSettling(store, stream, 3 * RETENTION_SETTLE_WRITES, `${group} entries past a ttlMs of 20 s`, settle);
  });

  it("rule 8: maxAgeMs expires each entry by its own createdAt, also when a node's clock runs behind (createdAt out of seq order)", async () => {
    const ahead = manualClock(1_000_000);
    const behind = manualClock(1_000_000 - 5000);
    const a = await h.open({ now: ahead.now, maxAgeMs: 1000 });
    const b = await h.open({ now: behind.now, maxAgeMs: 1000 });
    const stream = freshStream();
    await a.append([message(stream, 'on time')]);
    await b.append([message(stream, 'from a slow clock', { senderId: 'slow' })]);
    await a.append([message(stream, 'on time too')]);
    // On `a`'s clock, seq 2 was created 5 s ago: aged out, though seqs 1 and 3 around it are not.
    ahead.advance(500);
    expect(
      (await a.read(stream)).messages.map((m) => m.seq),
      'rule 8: latest page',
    ).toEqual([1, 3]);
    expect(
      (await a.read(stream, { after: 0 })).messages.map((m) => m.seq),
      'rule 8: page after 0',
    ).toEqual([1, 3]);
    expect(
      (await a.read(stream, { before: 3 })).messages.map((m) => m.seq),
      'rule 8: page before 3',
    ).toEqual([1]);
    if (h.capabilities.cursors) expect(await a.unreadCount!(stream, 'reader'), 'rule 8: unread count').toBe(2);
  });

  withInspector('rule 8: entries pushed out by maxCount are physically removed, give or take a bounded lag', async () => {
    const maxCount = 10;
    const store = await h.open({ maxCount });
    const stream = freshStream();
    await fill(store, stream, 120, 7);
    await store.append(messages(stream, 3 * maxCount));
    await expectRemovedAfterSettling(store, stream, maxCount, 'entries below the maxCount floor');
  });

  withInspector('rule 8: entries aged out by maxAgeMs are physically removed after a few more writes', async () => {
    const clock = manualClock();
    const store = await h.open({ now: clock.now, maxAgeMs: 1000 });
    const stream = freshStream();
    await fill(store, stream, RETENTION_EXPIRED_BACKLOG, 7);
    clock.advance(1000);
    await expectRemovedAfterSettling(store, stream, RETENTION_SETTLE_WRITES, `${RETENTION_EXPIRED_BACKLOG} aged-out entries`);
    const first = RETENTION_EXPIRED_BACKLOG + 1;
    expect(seqs((await store.read(stream)).messages)).toEqual(range(first, first + RETENTION_SETTLE_WRITES - 1));
  });

  withInspector('rule 8: messages expired by their ttlMs are physically removed after a few more writes', async () => {
    const clock = manualClock();
    const store = await h.open({ now: clock.now });
    const stream = freshStream();
    const kept = 5;
    for (let i = 0; i < kept; i++) {
      await store.append([...messages(stream, RETENTION_EXPIRED_BACKLOG / kept, 1, { ttlMs: 100 }), message(stream, 'kept')]);
    }
    clock.advance(100);
    await expectRemovedAfterSettling(store, stream, kept + RETENTION_SETTLE_WRITES, `${RETENTION_EXPIRED_BACKLOG} TTL-expired messages`);
    expect((await store.read(stream)).messages.map((m) => m.data)).toEqual([
      ...Array.from({ length: kept }, () => 'kept'),
      ...Array.from({ length: RETENTION_SETTLE_WRITES }, () => 'settle'),
    ]);
  });
});
