/**
 * Runs the getting-started example exactly as docs/getting-started.md shows it: the page must
 * embed the files verbatim, the chat they build must work with user ids, and its history must
 * survive a restart of the server, in process and through the page's own entry point.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterEach, expect, it } from 'vitest';
import type { MessageEnvelope } from '@roomlog/client';
import { joinChat } from '../src/client';
import { startChat } from '../src/server';
import { openStore } from '../src/store';

const repo = new URL('../../../', import.meta.url);
const exampleDir = fileURLToPath(new URL('..', import.meta.url));
const FILES = ['store.ts', 'server.ts', 'client.ts', 'main.ts'].map((name) => `examples/getting-started/src/${name}`);
const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'roomlog-getting-started-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

async function until(check: () => boolean, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

async function start(file: string) {
  const { io, httpServer } = startChat(0, await openStore(file));
  await once(httpServer, 'listening');
  const url = `http://127.0.0.1:${(httpServer.address() as AddressInfo).port}`;
  // io.close() does not close the store: roomlog() never closes what you pass it.
  return { io, url, stop: async () => await io.close() };
}

it('embeds the example files verbatim in docs/getting-started.md, in under 60 lines of code', () => {
  const doc = readFileSync(new URL('docs/getting-started.md', repo), 'utf8');
  let lines = 0;
  for (const file of FILES) {
    const source = readFileSync(new URL(file, repo), 'utf8');
    expect(doc).toContain(`<!-- file: ${file} -->\n\`\`\`ts\n${source}\`\`\``);
    lines += source.split('\n').filter((line) => line.trim() !== '' && !line.trim().startsWith('//')).length;
  }
  expect(lines).toBeLessThan(60);
});

it('runs the getting-started chat: user ids, order, history, a late joiner, and a restart that keeps it all', async () => {
  const file = join(tempDir(), 'chat.sqlite');
  const first = await start(file);
  const seenByAda: MessageEnvelope[] = [];
  const ada = await joinChat(first.url, 'ada', (message) => seenByAda.push(message));
  const seenByBob: MessageEnvelope[] = [];
  const bob = await joinChat(first.url, 'bob', (message) => seenByBob.push(message));
  await until(() => seenByAda.length === 2, 'both hellos at ada');
  expect(seenByAda.map((m) => [m.seq, m.senderId, m.data])).toEqual([
    [1, 'ada', { text: 'hello from ada!' }],
    [2, 'bob', { text: 'hello from bob!' }],
  ]);
  expect(ada.sent).toMatchObject({ seq: 1, senderId: 'ada' });
  // Bob joined after ada spoke: he got her message replayed, then his own.
  expect(seenByBob).toEqual(seenByAda);
  expect(bob.older.messages.map((m) => m.seq)).toEqual([1, 2]);
  // The middleware's user id is what lets a user change their own messages, and only those.
  await expect(ada.chat.edit('lobby', 1, { text: 'hello, all!' })).resolves.toMatchObject({ seq: 1 });
  await expect(ada.chat.delete('lobby', 2)).rejects.toMatchObject({ code: 'NOT_OWNER' });
  await expect(bob.chat.markRead('lobby', 3)).resolves.toBe(3);
  ada.chat.close();
  bob.chat.close();
  await first.stop();

  // A new server process on the same file: the history is still there.
  const second = await start(file);
  cleanups.push(second.stop);
  const seenByCyd: MessageEnvelope[] = [];
  const cyd = await joinChat(second.url, 'cyd', (message) => seenByCyd.push(message));
  cleanups.push(() => cyd.chat.close());
  await until(() => seenByCyd.length === 4, 'the old history and the new hello at cyd');
  expect(seenByCyd.map((m) => [m.seq, m.kind, m.senderId])).toEqual([
    [1, 'message', 'ada'],
    [2, 'message', 'bob'],
    [3, 'edit', 'ada'],
    [4, 'message', 'cyd'],
  ]);
});

it('refuses a socket without a name, as the middleware says', async () => {
  const chat = await start(join(tempDir(), 'chat.sqlite'));
  cleanups.push(chat.stop);
  const { io } = await import('socket.io-client');
  const socket = io(chat.url, { reconnection: false });
  cleanups.push(() => socket.close());
  const error = await new Promise<Error>((resolve) => socket.once('connect_error', resolve));
  expect(error.message).toBe('a name is required');
});

async function freePort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Runs `src/main.ts` as the page says (tsx), in `cwd`, until it printed `expected`; then kills it. */
async function runMain(cwd: string, expected: RegExp): Promise<string> {
  const port = await freePort();
  // The temp dir has no node_modules: point Node at the example's own tsx.
  const tsx = pathToFileURL(createRequire(join(exampleDir, 'package.json')).resolve('tsx')).href;
  const child = spawn(process.execPath, ['--import', tsx, join(exampleDir, 'src/main.ts')], {
    cwd,
    env: { ...process.env, PORT: String(port), TSX_TSCONFIG_PATH: join(exampleDir, 'tsconfig.json') },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = once(child, 'exit');
  try {
    await until(() => expected.test(output) || child.exitCode !== null, `main.ts to print ${expected}`, 50_000);
    expect(output).toMatch(expected);
    return output;
  } finally {
    child.kill('SIGKILL');
    await exited;
  }
}

it("runs src/main.ts twice on one file: the second run shows the first run's message", async () => {
  const cwd = tempDir();
  await runMain(cwd, /#1 ada: \{"text":"hello from ada!"\}/);
  const second = await runMain(cwd, /#2 ada:/);
  expect(second).toMatch(/#1 ada: \{"text":"hello from ada!"\}\n#2 ada:/);
});
