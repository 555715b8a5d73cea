/** Rule 7: edits and deletes change the target in place and append a log entry. */
import { expect, it } from 'vitest';
import { expectRoomlogError } from '../assertions';
import { manualClock } from '../clock';
import { defineGroup, freshStream, message, messages } from '../harness';

/** Rule 7 tests (capability `editDelete`). */
export const editDeleteTests = defineGroup('rule 7: edits and deletes', 'editDelete', (h) => {
  it('rule 7: edit updates the target in place and appends an edit log entry', async () => {
    const clock = manualClock();
    const store = await h.open({ now: clock.now });
    const stream = freshStream();
    const [original] = await store.append([message(stream, { text: 'helo' }, { event: 'chat:message', senderId: 'alice' })]);
    await store.append([message(stream, 'other')]);
    clock.advance(5000);
    const edited = await store.edit!(stream, 1, { text: 'hello' }, 'alice');
    expect(edited).toEqual({
      ...original?.message,
      data: { text: 'hello' },
      version: 2,
      editedAt: clock.now(),
    });
    const page = await store.read(stream);
    expect(page.messages[0]).toEqual(edited);
    expect(page.messages[2]).toMatchObject({
      seq: 3,
      kind: 'edit',
      target: 1,
      data: { text: 'hello' },
      senderId: 'alice',
      event: 'chat:message',
      createdAt: clock.now(),
      version: 1,
      deletedAt: null,
    });
    expect(page.head?.seq).toBe(3);
  });

  it('rule 7: delete leaves a tombstone and appends a delete log entry', async () => {
    const clock = manualClock();
    const store = await h.open({ now: clock.now });
    const stream = freshStream();
    const [original] = await store.append([message(stream, { secret: Buffer.from('x') }, { senderId: 'bob' })]);
    clock.advance(10);
    const tombstone = await store.delete!(stream, 1, 'moderator');
    expect(tombstone).toEqual({ ...original?.message, data: null, version: 2, deletedAt: clock.now() });
    const page = await store.read(stream);
    expect(page.messages.map((m) => [m.seq, m.kind, m.target, m.data, m.senderId])).toEqual([
      [1, 'message', null, null, 'bob'],
      [2, 'delete', 1, null, 'moderator'],
    ]);
    expect(page.messages[0]?.deletedAt).toBe(clock.now());
  });

  it('rule 7: a client syncing with { after } learns about edits and deletes of older messages', async () => {
    const store = await h.open();
    const stream = freshStream();
    await store.append(messages(stream, 5));
    const offset = (await store.head(stream))!.seq;
    await store.edit!(stream, 2, 'two');
    await store.delete!(stream, 4);
    const sync = await store.read(stream, { after: offset });
    expect(sync.messages.map((m) => [m.seq, m.kind, m.target, m.data])).toEqual([
      [6, 'edit', 2, 'two'],
      [7, 'delete', 4, null],
    ]);
  });

  it('rule 7: an edit or delete changes only its own stream', async () => {
    const store = await h.open();
    const a = freshStream();
    const b = { namespace: a.namespace, room: `${a.room}:b` };
    await store.append([message(a, 'a1'), message(b, 'b1')]);
    await store.edit!(a, 1, 'a1 edited');
    await store.delete!(b, 1);
    expect((await store.read(a)).messages.map((m) => [m.seq, m.kind, m.data])).toEqual([
      [1, 'message', 'a1 edited'],
      [2, 'edit', 'a1 edited'],
    ]);
    expect((await store.read(b)).messages.map((m) => [m.seq, m.kind, m.data])).toEqual([
      [1, 'message', null],
      [2, 'delete', null],
    ]);
  });

  it('rule 7: concurrent edits from several instances each get their own log entry and version', async () => {
    const stores = await h.openMany(4);
    const stream = freshStream();
    await stores[0]!.append([message(stream, 'v0')]);
    const edited = await Promise.all(stores.map((store, i) => store.edit!(stream, 1, `by ${i}`)));
    expect(edited.map((m) => m.version).sort((x, y) => x - y)).toEqual([2, 3, 4, 5]);
    const page = await stores[0]!.read(stream);
    expect(page.messages.map((m) => m.seq)).toEqual([1, 2, 3, 4, 5]);
    expect(page.messages[0]?.version).toBe(5);
    // The target holds the data of the last edit entry.
    expect(page.messages[0]?.data).toEqual(page.messages[4]?.data);
  });

  it('rule 7: edits accumulate versions; the log entry has no sender when none is given', async () => {
    const store = await h.open();
    const stream = freshStream();
    await store.append([message(stream, 'v1')]);
    await store.edit!(stream, 1, 'v2');
    const third = await store.edit!(stream, 1, 'v3');
    expect(third).toMatchObject({ seq: 1, version: 3, data: 'v3' });
    const log = (await store.read(stream, { after: 1 })).messages;
    expect(log.map((m) => [m.kind, m.target, m.data, m.senderId])).toEqual([
      ['edit', 1, 'v2', null],
      ['edit', 1, 'v3', null],
    ]);
    const deleted = await store.delete!(stream, 1);
    expect(deleted.version).toBe(4);
  });

  it('rule 7: edited data keeps full fidelity (binary, $-keys)', async () => {
    const store = await h.open();
    const stream = freshStream();
    await store.append([message(stream, 'x')]);
    const data = { $gt: 1, bin: Buffer.from([1, 2]) };
    expect((await store.edit!(stream, 1, data)).data).toEqual(data);
    const page = await store.read(stream);
    expect(page.messages.map((m) => m.data)).toEqual([data, data]);
  });

  it('rule 7: edit/delete of a missing seq, a never-written stream, a log entry or a deleted message rejects NOT_FOUND', async () => {
    const store = await h.open();
    const stream = freshStream();
    await store.append(messages(stream, 2));
    await store.edit!(stream, 1, 'edited'); // seq 3 is the edit entry
    await store.delete!(stream, 2); // seq 4 is the delete entry
    const cases: [string, () => Promise<unknown>][] = [
      ['edit beyond head', () => store.edit!(stream, 99, 'x')],
      ['delete beyond head', () => store.delete!(stream, 5)],
      ['edit in a stream never written', () => store.edit!(freshStream(), 1, 'x')],
      ['delete in a stream never written', () => store.delete!(freshStream(), 1)],
      ['edit of an edit entry', () => store.edit!(stream, 3, 'x')],
      ['delete of a delete entry', () => store.delete!(stream, 4)],
      ['edit of a deleted message', () => store.edit!(stream, 2, 'x')],
      ['delete of a deleted message', () => store.delete!(stream, 2)],
    ];
    for (const [label, call] of cases) await expectRoomlogError(store, 'NOT_FOUND', call, label);
    expect((await store.head(stream))?.seq).toBe(4);
  });

  it('rule 7: invalid edit/delete arguments reject INVALID_ARGUMENT or PAYLOAD_TOO_LARGE and change nothing', async () => {
    const store = await h.open({ maxPayloadBytes: 100 });
    const stream = freshStream();
    await store.append([message(stream, 'keep')]);
    await expectRoomlogError(store, 'INVALID_ARGUMENT', () => store.edit!(stream, 0, 'x'));
    await expectRoomlogError(store, 'INVALID_ARGUMENT', () => store.edit!(stream, 1.5, 'x'));
    await expectRoomlogError(store, 'INVALID_ARGUMENT', () => store.delete!(stream, -1));
    await expectRoomlogError(store, 'INVALID_ARGUMENT', () => store.edit!(stream, 1, { s: '\uD800' }));
    await expectRoomlogError(store, 'INVALID_ARGUMENT', () => store.edit!({ namespace: '/', room: '' }, 1, 'x'));
    await expectRoomlogError(store, 'INVALID_ARGUMENT', () => store.delete!(stream, 1, 42 as unknown as string));
    await expectRoomlogError(store, 'PAYLOAD_TOO_LARGE', () => store.edit!(stream, 1, 'x'.repeat(200)));
    const page = await store.read(stream);
    expect(page.messages.map((m) => [m.seq, m.data, m.version])).toEqual([[1, 'keep', 1]]);
  });

  h.needs('retention')('rule 7: edit/delete of an expired message rejects NOT_FOUND', async () => {
    const clock = manualClock();
    const store = await h.open({ now: clock.now, maxCount: 2 });
    const stream = freshStream();
    await store.append([message(stream, 'ttl', { ttlMs: 100 }), ...messages(stream, 3)]);
    await expectRoomlogError(store, 'NOT_FOUND', () => store.edit!(stream, 1, 'x')); // below maxCount
    const ttlStream = freshStream();
    await store.append([message(ttlStream, 'ttl', { ttlMs: 100 }), message(ttlStream, 'stays')]);
    clock.advance(100);
    await expectRoomlogError(store, 'NOT_FOUND', () => store.delete!(ttlStream, 1));
    expect((await store.head(ttlStream))?.seq).toBe(2);
  });
});
