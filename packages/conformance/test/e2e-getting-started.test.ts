/**
 * Runs the getting-started example exactly as docs/getting-started.md shows it: the doc must
 * embed the files verbatim, and the chat they build must work, history included.
 */
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { afterEach, expect, it } from 'vitest';
import type { MessageEnvelope } from '@roomlog/client';
import { joinChat } from '../../../examples/getting-started/src/client';
import { startChat } from '../../../examples/getting-started/src/server';
import { until } from '../src/e2e/harness';

const repo = new URL('../../../', import.meta.url);
const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

it('embeds the example files verbatim in docs/getting-started.md, in under 40 lines of code', () => {
  const doc = readFileSync(new URL('docs/getting-started.md', repo), 'utf8');
  let lines = 0;
  for (const file of ['examples/getting-started/src/server.ts', 'examples/getting-started/src/client.ts']) {
    const source = readFileSync(new URL(file, repo), 'utf8');
    expect(doc).toContain(`<!-- file: ${file} -->\n\`\`\`ts\n${source}\`\`\``);
    lines += source.split('\n').filter((line) => line.trim() !== '').length;
  }
  expect(lines).toBeLessThan(40);
});

it('runs the getting-started chat: messages in order, history, and a late joiner catches up', async () => {
  const { io, httpServer } = startChat(0);
  cleanups.push(() => io.close());
  await once(httpServer, 'listening');
  const url = `http://127.0.0.1:${(httpServer.address() as AddressInfo).port}`;

  const seenByAda: MessageEnvelope[] = [];
  const ada = await joinChat(url, 'ada', (message) => seenByAda.push(message));
  cleanups.push(() => ada.chat.close());
  const seenByBob: MessageEnvelope[] = [];
  const bob = await joinChat(url, 'bob', (message) => seenByBob.push(message));
  cleanups.push(() => bob.chat.close());

  await until(() => seenByAda.length === 2, "both hellos at ada");
  expect(seenByAda.map((m) => [m.seq, m.data])).toEqual([
    [1, { name: 'ada', text: 'hello!' }],
    [2, { name: 'bob', text: 'hello!' }],
  ]);
  // Bob joined after ada spoke: he got her message replayed, then his own.
  expect(seenByBob).toEqual(seenByAda);
  expect(bob.older.messages.map((m) => m.seq)).toEqual([1, 2]);
  for (const socket of await io.fetchSockets()) socket.disconnect(true);
});
