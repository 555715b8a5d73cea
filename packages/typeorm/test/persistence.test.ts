/**
 * sql.js persisted to a file (the demo's embedded default): what was acknowledged survives a
 * restart, and the reopened database carries on with the same epoch, seqs and idempotency keys.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createTypeormStore } from '../src/index';
import { type FileEngine, sqljsFileEngine } from './fixtures';

let engine: FileEngine;

beforeAll(async () => {
  engine = await sqljsFileEngine();
});

afterAll(async () => {
  await engine?.cleanup();
});

it('acknowledged messages, cursors and idempotency keys survive reopening the file', async () => {
  const stream = { namespace: '/', room: 'lobby' };
  const before = createTypeormStore(await engine.open());
  await before.append([
    { ...stream, event: 'chat', data: { text: 'hello' }, senderId: 'ann', clientMessageId: 'm-1' },
    { ...stream, event: 'chat', data: { text: 'there' }, senderId: 'bob', clientMessageId: 'm-2' },
  ]);
  await before.edit(stream, 1, { text: 'hello!' }, 'ann');
  await before.setCursor(stream, 'bob', 2);
  const headBefore = await before.head(stream);
  await before.close();

  const after = createTypeormStore(await engine.reopen());
  expect(await after.head(stream)).toEqual(headBefore);
  const { messages } = await after.read(stream);
  expect(messages.map((m) => [m.seq, m.kind, m.data])).toEqual([
    [1, 'message', { text: 'hello!' }],
    [2, 'message', { text: 'there' }],
    [3, 'edit', { text: 'hello!' }],
  ]);
  expect(await after.getCursor(stream, 'bob')).toBe(2);
  const [retry, next] = await after.append([
    { ...stream, event: 'chat', data: { text: 'there' }, clientMessageId: 'm-2' },
    { ...stream, event: 'chat', data: { text: 'again' } },
  ]);
  expect(retry).toMatchObject({ duplicate: true, message: { seq: 2 } });
  expect(next).toMatchObject({ duplicate: false, message: { seq: 4, epoch: headBefore?.epoch } });
  await after.close();
});
