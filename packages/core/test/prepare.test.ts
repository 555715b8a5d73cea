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
