/**
 * Capability `import`: `importEntries` writes another store's entries unchanged (seq, id,
 * epoch, times, edits, tombstones), so a log moved between backends is the same log and
 * clients keep their offsets. Re-running an import is safe; another log is never mixed in.
 */
import { randomUUID } from 'node:crypto';
import type { ImportEntry, MessageStore, StoredMessage, StreamRef } from '@roomlog/core';
import { expect, it } from 'vitest';
import { expectNothingWritten, expectRoomlogError, range, seqs } from '../assertions';
import { manualClock } from '../clock';
import { NO_INSPECT_REASON, capabilityReason, defineGroup, freshStream, message } from '../harness';
import { RETENTION_LAG_ALLOWANCE, RETENTION_SETTLE_WRITES } from './retention';

const T0 = Date.UTC(2024, 0, 2, 3, 4, 5, 678);

/**
 * A log as an export holds it: a gap (seqs 3–4 lost to retention), binary and `$` keys, an
 * edited message with its edit entry, a tombstone with its delete entry, a TTL, idempotency keys.
 */
function exportedLog(epoch: string): ImportEntry[] {
  const base = {
    epoch,
    event: 'chat',
    senderId: 'alice',
    clientMessageId: null,
    kind: 'message',
    target: null,
    version: 1,
    editedAt: null,
    deletedAt: null,
    expiresAt: null,
  } as const;
  return [
    {
      ...base,
      seq: 1,
      id: randomUUID(),
      data: { text: 'hi', $where: '1', bytes: Buffer.from([0, 1, 255]) },
      clientMessageId: 'c-1',
      createdAt: T0,
    },
    { ...base, seq: 2, id: randomUUID(), data: { text: 'edited' }, createdAt: T0 + 1, version: 2, editedAt: T0 + 50 },
    { ...base, seq: 5, id: randomUUID(), data: null, createdAt: T0 + 5, senderId: 'bob', version: 2, deletedAt: T0 + 60 },
    { ...base, seq: 6, id: randomUUID(), data: { text: 'edited' }, createdAt: T0 + 50, kind: 'edit', target: 2 },
    { ...base, seq: 7, id: randomUUID(), data: null, createdAt: T0 + 60, senderId: 'bob', kind: 'delete', target: 5 },
    {
      ...base,
      seq: 8,
      id: randomUUID(),
      data: ['ü', '🎉', 1.5, null],
      createdAt: T0 + 70,
      senderId: null,
      event: 'chat:system',
      expiresAt: T0 + 10 ** 12,
    },
  ];
}

/** The entries as a read of `stream` returns them. */
function asStored(stream: StreamRef, entries: readonly ImportEntry[]): StoredMessage[] {
  return entries.map((entry) => ({ ...entry, namespace: stream.namespace, room: stream.room }));
}

async function readAll(store: MessageStore, stream: StreamRef): Promise<StoredMessage[]> {
  return (await store.read(stream, { after: 0, limit: 1000 })).messages;
}

/** Capability `import` tests. */
export const importTests = defineGroup('capability import: importEntries', 'import', (h) => {
  it('import: entries read back exactly as exported, head carries the imported seq and epoch', async () => {
    const clock = manualClock(T0 + 10_000_000);
    const store = await h.open({ now: clock.now });
    const stream = freshStream();
    const epoch = randomUUID();
    const log = exportedLog(epoch);
    const result = await store.importEntries!({ ...stream, epoch }, log);
    expect(result).toEqual({ imported: 6, skipped: 0, head: { seq: 8, epoch, firstSeq: 1 } });
    expect(await readAll(store, stream)).toEqual(asStored(stream, log));
    expect(await store.head(stream)).toEqual({ seq: 8, epoch, firstSeq: 1 });
    expect(seqs((await store.read(stream, { before: 7, limit: 2 })).messages)).toEqual([5, 6]);
  });

  it('import: another instance sees the imported log (read-your-writes)', async () => {
    const [a, b] = await h.openMany(2);
    const stream = freshStream();
    const epoch = randomUUID();
    await a!.importEntries!({ ...stream, epoch }, exportedLog(epoch));
    expect(await b!.head(stream)).toEqual({ seq: 8, epoch, firstSeq: 1 });
    expect(seqs(await readAll(b!, stream))).toEqual([1, 2, 5, 6, 7, 8]);
  });

  it('import: re-running is safe; an overlapping run writes only what is new', async () => {
    const store = await h.open();
    const stream = freshStream();
    const epoch = randomUUID();
    const log = exportedLog(epoch);
    expect(await store.importEntries!({ ...stream, epoch }, log.slice(0, 3))).toMatchObject({ imported: 3, skipped: 0 });
    expect(await store.importEntries!({ ...stream, epoch }, log.slice(1))).toMatchObject({
      imported: 3,
      skipped: 2,
      head: { seq: 8, epoch },
    });
    expect(await store.importEntries!({ ...stream, epoch }, log)).toMatchObject({ imported: 0, skipped: 6, head: { seq: 8, epoch } });
    expect(await readAll(store, stream)).toEqual(asStored(stream, log));
  });

  it('import: appends continue after the imported head, under its epoch, deduplicated by imported keys', async () => {
    const store = await h.open();
    const stream = freshStream();
    const epoch = randomUUID();
    await store.importEntries!({ ...stream, epoch }, exportedLog(epoch));
    const [fresh, repeat] = await store.append([message(stream, 'after'), message(stream, 'again', { clientMessageId: 'c-1' })]);
    expect(fresh).toMatchObject({ duplicate: false, message: { seq: 9, epoch, data: 'after' } });
    expect(repeat).toMatchObject({ duplicate: true, message: { seq: 1, epoch } });
    expect(await store.head(stream)).toMatchObject({ seq: 9, epoch });
  });

  h.onlyIf(
    h.capabilities.retention === true && h.options.inspect !== undefined,
    h.capabilities.retention === true ? NO_INSPECT_REASON : capabilityReason('retention'),
  )('import: imported entries expire by their expiresAt: not returned, keys freed, physically removed', async () => {
    const clock = manualClock(T0 + 1000);
    const store = await h.open({ now: clock.now });
    const stream = freshStream();
    const epoch = randomUUID();
    const [first] = exportedLog(epoch);
    // Long-lived entries first, so a store tracking one expiry per stream must keep the earliest.
    const entries: ImportEntry[] = Array.from({ length: 50 }, (_, i) => ({
      ...first!,
      seq: i + 1,
      id: randomUUID(),
      data: i,
      clientMessageId: i === 0 ? 'k-long' : i === 49 ? 'k-short' : null,
      createdAt: T0 + i,
      expiresAt: i < 25 ? T0 + 1_000_000 : T0 + 2000,
    }));
    expect(await store.importEntries!({ ...stream, epoch }, entries)).toMatchObject({ imported: 50 });
    clock.advance(1000);
    const [expired, live] = await store.append([
      message(stream, 'again', { clientMessageId: 'k-short' }),
      message(stream, 'again', { clientMessageId: 'k-long' }),
    ]);
    expect(expired, 'import: the key of an imported entry past its expiresAt still deduplicates').toMatchObject({
      duplicate: false,
      message: { seq: 51 },
    });
    expect(live, 'import: the key of a live imported entry').toMatchObject({ duplicate: true, message: { seq: 1 } });
    expect(seqs(await readAll(store, stream))).toEqual([...range(1, 25), 51]);
    for (let i = 0; i < RETENTION_SETTLE_WRITES; i++) await store.append([message(stream, 'settle')]);
    const stored = await h.options.inspect!.storedCount(stream);
    expect(stored, `import: 25 expired imported entries are still stored (${stored} for 29 live)`).toBeLessThanOrEqual(
      29 + RETENTION_LAG_ALLOWANCE,
    );
  });

  it('import: a stream holding another log (other epoch) is refused and left as it was', async () => {
    const store = await h.open();
    const stream = freshStream();
    const [live] = await store.append([message(stream, 'live')]);
    const epoch = randomUUID();
    await expectRoomlogError(
      store,
      'INVALID_ARGUMENT',
      () => store.importEntries!({ ...stream, epoch }, exportedLog(epoch)),
      'import under another epoch',
    );
    expect(await readAll(store, stream)).toEqual([live!.message]);
    expect(await store.head(stream)).toEqual({ seq: 1, epoch: live!.message.epoch, firstSeq: 1 });
  });

  it('import: invalid entries reject the whole call and write nothing', async () => {
    const store = await h.open();
    const stream = freshStream();
    const epoch = randomUUID();
    const log = exportedLog(epoch);
    const cases: [string, ImportEntry[]][] = [
      ['seqs out of order', [log[1]!, log[0]!]],
      ['a repeated seq', [log[0]!, { ...log[1]!, seq: 1 }]],
      ['seq 0', [{ ...log[0]!, seq: 0 }]],
      ['an unknown kind', [{ ...log[0]!, kind: 'poke' as 'message' }]],
      ['an edit entry without target', [{ ...log[3]!, target: null }]],
      ['a message with a target', [{ ...log[0]!, target: 1 }]],
      ['an edit entry with a clientMessageId', [log[0]!, log[1]!, { ...log[3]!, clientMessageId: 'c-edit' }]],
      ['a delete entry with a clientMessageId', [log[0]!, log[1]!, log[2]!, { ...log[4]!, clientMessageId: 'c-delete' }]],
      ['an empty id', [{ ...log[0]!, id: '' }]],
      ['a room with NUL', [log[0]!]],
      ['more than 1000 entries', Array.from({ length: 1001 }, (_, i) => ({ ...log[0]!, seq: i + 1, id: randomUUID() }))],
    ];
    for (const [label, entries] of cases) {
      const target = label === 'a room with NUL' ? { ...stream, room: 'a\u0000b' } : stream;
      await expectRoomlogError(
        store,
        'INVALID_ARGUMENT',
        () => store.importEntries!({ ...target, epoch }, entries),
        `import with ${label}`,
      );
    }
    await expectRoomlogError(
      store,
      'INVALID_ARGUMENT',
      () => store.importEntries!({ ...stream, epoch: '' }, log),
      'import with an empty epoch',
    );
    await expectNothingWritten(store, stream);
  });

  it('import: data over maxPayloadBytes is refused like an append', async () => {
    const store = await h.open({ maxPayloadBytes: 100 });
    const stream = freshStream();
    const epoch = randomUUID();
    const [first] = exportedLog(epoch);
    await expectRoomlogError(store, 'PAYLOAD_TOO_LARGE', () =>
      store.importEntries!({ ...stream, epoch }, [{ ...first!, data: 'x'.repeat(200) }]),
    );
    await expectNothingWritten(store, stream);
  });

  it('import: an empty call creates nothing', async () => {
    const store = await h.open();
    const stream = freshStream();
    expect(await store.importEntries!({ ...stream, epoch: randomUUID() }, [])).toEqual({ imported: 0, skipped: 0, head: null });
    await expectNothingWritten(store, stream);
  });

  it('import: what a read returns imports into a second stream as the same log', async () => {
    const store = await h.open();
    const source = freshStream();
    await store.append([
      message(source, { a: Buffer.from('bin') }, { clientMessageId: 'k', senderId: 's' }),
      message(source, null),
      message(source, 'three'),
    ]);
    const head = (await store.head(source))!;
    const exported = await readAll(store, source);
    const target = freshStream();
    await store.importEntries!({ ...target, epoch: head.epoch }, exported);
    expect(await readAll(store, target)).toEqual(exported.map((entry) => ({ ...entry, namespace: target.namespace, room: target.room })));
    expect(await store.head(target)).toEqual(head);
  });

  it('import: ids of any backend read back byte for byte, also from duplicates, edits and another instance', async () => {
    const [store, other] = await h.openMany(2);
    const stream = freshStream();
    const epoch = randomUUID();
    // Redis derives `<epoch>:<seq>`; PostgreSQL prints UUIDs in lowercase, another tool may not;
    // a MongoDB tool may use ObjectIds; any text up to the id limit is an id.
    const ids = [`${randomUUID()}:1`, randomUUID().toUpperCase(), randomUUID(), 'a1b2c3d4e5f6a7b8c9d0e1f2', `ü 🎉 ${'x'.repeat(240)}`];
    const log = exportedLog(epoch)
      .slice(0, ids.length)
      .map((entry, i) => ({ ...entry, id: ids[i]!, kind: 'message', target: null, seq: i + 1 }) as ImportEntry);
    await store!.importEntries!({ ...stream, epoch }, log);
    expect((await readAll(store!, stream)).map((entry) => entry.id)).toEqual(ids);
    expect((await readAll(other!, stream)).map((entry) => entry.id)).toEqual(ids);
    // Newest-first reads go another way through some backends.
    expect((await store!.read(stream, { limit: 2 })).messages.map((entry) => entry.id)).toEqual(ids.slice(-2));
    // A retry of the imported message with key c-1 answers with the imported entry, its id unchanged.
    const [repeat] = await store!.append([message(stream, 'again', { clientMessageId: 'c-1' })]);
    expect(repeat).toMatchObject({ duplicate: true, message: { seq: 1, id: ids[0] } });
    if (store!.capabilities.editDelete) {
      const edited = await store!.edit!(stream, 2, 'changed');
      expect(edited.id).toBe(ids[1]);
      expect((await readAll(store!, stream)).slice(0, ids.length).map((entry) => entry.id)).toEqual(ids);
    }
    // Re-running the import is still a no-op: the derived keys some backends store are stable.
    expect(await store!.importEntries!({ ...stream, epoch }, log)).toMatchObject({ imported: 0, skipped: ids.length });
  });

  it('import: after close it rejects with CLOSED', async () => {
    const store = await h.open();
    await store.close();
    const epoch = randomUUID();
    await expectRoomlogError(store, 'CLOSED', () => store.importEntries!({ ...freshStream(), epoch }, exportedLog(epoch)));
  });
});
