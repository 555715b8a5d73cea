import { describe, expect, it } from 'vitest';
import { MemoryStore, appendedData, prepareBatch, resolveStoreOptions } from '../src/index';

describe('appendedData', () => {
  const options = resolveStoreOptions('test', {});
  const prepare = (data: unknown) => prepareBatch('test', [{ namespace: '/', room: 'r', event: 'e', data }], options, false).messages[0]!;

  it("is the caller's own value when JSON round-trips it exactly, so nothing is decoded again", () => {
    const data = { text: 'hi', n: [1, 2] };
    expect(appendedData(prepare(data), 'test')).toBe(data);
  });

  it('is the decoded stored text when JSON changes the value', () => {
    expect(appendedData(prepare(new Uint8Array([1, 2])), 'test')).toStrictEqual(Buffer.from([1, 2]));
    expect(appendedData(prepare({ at: new Date(0), gone: undefined }), 'test')).toStrictEqual({ at: '1970-01-01T00:00:00.000Z' });
    expect(appendedData(prepare(undefined), 'test')).toBeNull();
  });

  it('is what an append returns, and a read returns an equal value', async () => {
    const store = new MemoryStore();
    const data = { text: 'hi' };
    const [result] = await store.append([{ namespace: '/', room: 'r', event: 'e', data }]);
    expect(result!.message.data).toBe(data);
    expect((await store.read({ namespace: '/', room: 'r' })).messages[0]!.data).toStrictEqual(data);
  });
});

describe('prepareBatch', () => {
  const options = resolveStoreOptions('test', {});

  it('groups interleaved streams in order of first appearance and finds in-batch duplicates per stream', () => {
    const m = (namespace: string, room: string, clientMessageId?: string) => ({ namespace, room, event: 'e', data: 1, clientMessageId });
    const batch = [
      m('/', 'a', 'c1'),
      m('/', 'b', 'c1'),
      m('/', 'a', 'c2'),
      m('/', 'a', 'c1'),
      m('/', 'b', 'c1'),
      m('/', 'a'),
      m('/x', 'a', 'c1'),
      m('/', 'a', 'c2'),
    ];
    const prepared = prepareBatch('test', batch, options, false);
    expect(prepared.messages.map((message) => message.duplicateOf)).toEqual([null, null, null, 0, 1, null, null, 2]);
    expect(prepared.streams.map((stream) => [stream.namespace, stream.room, stream.messages.map((message) => message.index)])).toEqual([
      ['/', 'a', [0, 2, 5]],
      ['/', 'b', [1]],
      ['/x', 'a', [6]],
    ]);
    // One key per stream, the same for every message of it.
    expect(new Set(prepared.messages.map((message) => message.stream)).size).toBe(3);
    for (const stream of prepared.streams) for (const message of stream.messages) expect(message.stream).toBe(stream.stream);
    expect(prepared.messages[3]!.stream).toBe(prepared.streams[0]!.stream);
  });
});
