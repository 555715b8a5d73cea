/**
 * Only a successful `append` creates a stream: every other call on a stream never written,
 * including the ones that fail, must leave `head()` null on every instance (rule 6), and a
 * read marker set before the stream existed must not survive into it (rule 9).
 */
import type { MessageStore, StreamRef } from '@roomlog/core';
import { expect, it } from 'vitest';
import { expectNothingWritten } from '../assertions';
import { defineGroup, freshStream, message } from '../harness';

/** Every call except a successful append, each on `stream`, none of them allowed to create it. */
function nonCreatingCalls(store: MessageStore, stream: StreamRef): [string, () => Promise<unknown>][] {
  const calls: [string, (() => Promise<unknown>) | undefined][] = [
    ['read', () => store.read(stream)],
    ['read { after: 3 }', () => store.read(stream, { after: 3 })],
    ['read { before: 3 }', () => store.read(stream, { before: 3 })],
    ['read with an invalid limit', () => store.read(stream, { limit: 0 })],
    ['head', () => store.head(stream)],
    ['append of an invalid batch', () => store.append([message(stream), message(stream, null, { event: '' })])],
    ['append of data over maxPayloadBytes', () => store.append([message(stream, 'x'.repeat(200))])],
    ['append of data that cannot be encoded', () => store.append([message(stream, { n: 1n })])],
    ['empty append', () => store.append([])],
    ['edit (NOT_FOUND)', store.edit && (() => store.edit!(stream, 1, 'x'))],
    ['delete (NOT_FOUND)', store.delete && (() => store.delete!(stream, 1))],
    ['edit with too large data', store.edit && (() => store.edit!(stream, 1, 'x'.repeat(200)))],
    ['setCursor', store.setCursor && (() => store.setCursor!(stream, 'alice', 5))],
    ['getCursor', store.getCursor && (() => store.getCursor!(stream, 'alice'))],
    ['unreadCount', store.unreadCount && (() => store.unreadCount!(stream, 'alice'))],
    ['eraseSender', store.eraseSender && (() => store.eraseSender!('alice'))],
  ];
  return calls.filter((call): call is [string, () => Promise<unknown>] => call[1] !== undefined);
}

/** Rule 6 tests: no stream created as a side effect. */
export const sideEffectTests = defineGroup('rule 6: only a successful append creates a stream', null, (h) => {
  it('rule 6: no call but a successful append creates a stream, on this or another instance', async () => {
    const [store, other] = await h.openMany(2, { maxPayloadBytes: 100 });
    const labels = nonCreatingCalls(store!, freshStream()).map(([label]) => label);
    for (const label of labels) {
      // One stream per call, so the failure names the call that created it.
      const stream = freshStream();
      const call = new Map(nonCreatingCalls(store!, stream)).get(label)!;
      await call().catch(() => undefined);
      expect(await store!.head(stream), `rule 6: ${label} on a stream never written created it (head is no longer null)`).toBeNull();
      expect(await other!.head(stream), `rule 6: ${label} created the stream for another instance`).toBeNull();
      expect((await other!.read(stream)).messages, `rule 6: ${label} left entries`).toEqual([]);
      if (h.options.inspect) expect(await h.options.inspect.storedCount(stream), `rule 6: ${label} stored rows`).toBe(0);
    }
  });

  it('rule 6: after all of them the first append still gets seq 1 with a fresh epoch', async () => {
    const store = await h.open({ maxPayloadBytes: 100 });
    const stream = freshStream();
    for (const [, call] of nonCreatingCalls(store, stream)) await call().catch(() => undefined);
    await expectNothingWritten(store, stream);
    const [first] = await store.append([message(stream)]);
    expect(first?.message.seq, 'rule 2: the first successful append must get seq 1').toBe(1);
    expect(await store.head(stream)).toEqual({ seq: 1, epoch: first?.message.epoch, firstSeq: 1 });
  });

  h.needs('cursors')('rule 9: a marker set on a stream never written is not kept: it stays 0 once the stream exists', async () => {
    const store = await h.open();
    const stream = freshStream();
    expect(await store.setCursor!(stream, 'alice', 5), 'rule 9: a marker beyond the head (none) is clamped to 0').toBe(0);
    await store.append([
      message(stream, 1, { senderId: 'bob' }),
      message(stream, 2, { senderId: 'bob' }),
      message(stream, 3, { senderId: 'bob' }),
    ]);
    expect(await store.getCursor!(stream, 'alice'), 'rule 9: a marker set before the stream existed survived').toBe(0);
    expect(await store.unreadCount!(stream, 'alice')).toBe(3);
  });
});
