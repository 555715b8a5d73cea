/**
 * What the CLI tests share: running `main()` in process with captured streams, the real
 * servers' URLs (each test run in its own prefix, schema or database), and a seeded log.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import type { MessageStore, StoredMessage, StreamRef } from '@roomlog/core';
import { main } from '../src/main';

/** What one run printed and how it ended. */
export interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `roomlog ...args` in this process, with `stdin` (text or a stream) as its input. */
export async function cli(
  args: readonly string[],
  stdin: string | Readable = '',
  signal: AbortSignal = new AbortController().signal,
): Promise<Run> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
  const code = await main(args, {
    stdin: typeof stdin === 'string' ? Readable.from([stdin]) : stdin,
    stdout,
    stderr,
    stderrIsTty: false,
    env: {},
    signal,
  });
  return { code, stdout: out, stderr: err };
}

const REDIS = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const POSTGRES = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const MONGO = (process.env.MONGODB_URL ?? 'mongodb://127.0.0.1:27017').replace(/\/+$/, '');

const letters = (n: number) => Array.from(randomBytes(n), (b) => String.fromCharCode(97 + (b % 26))).join('');

/** Connection URLs of fresh, private places on the shared servers (and a temp SQLite file). */
export async function freshUrls() {
  const tag = letters(10);
  const dir = await mkdtemp(join(tmpdir(), 'roomlog-cli-'));
  return {
    redis: `${REDIS}/?prefix=clitest-${tag}`,
    postgres: `${POSTGRES}?schema=clitest_${tag}`,
    mongo: `${MONGO}/roomlogtest${tag}`,
    sqlite: `sqlite:${join(dir, 'log.sqlite')}`,
    /** The schema name inside `postgres`, for cleanup. */
    postgresSchema: `clitest_${tag}`,
  };
}

/** A stream no other test uses. */
export function freshStream(): StreamRef {
  return { namespace: `/ns-${letters(6)}`, room: `room ${letters(4)} 🎉 {x}:$'` };
}

/**
 * A log with every kind of entry: messages with binary, `$` keys, Unicode, senders and
 * idempotency keys, two edits, a delete (a tombstone and its log entry), `count` in all.
 */
export async function seed(store: MessageStore, stream: StreamRef, count = 40): Promise<void> {
  const batch = Array.from({ length: count - 3 }, (_, i) => ({
    ...stream,
    event: i % 7 === 0 ? 'chat:system' : 'chat',
    data: i % 5 === 0 ? { bin: Buffer.from([0, i, 255]), $where: 'x', text: `héllo ${i} 👋` } : i % 3 === 0 ? null : [i, `t${i}`, { n: i }],
    senderId: i % 4 === 0 ? undefined : `user-${i % 3}`,
    clientMessageId: i % 2 === 0 ? `c-${randomUUID()}` : undefined,
  }));
  for (let from = 0; from < batch.length; from += 500) await store.append(batch.slice(from, from + 500));
  await store.edit!(stream, 2, { text: 'edited' }, 'user-1');
  await store.edit!(stream, 4, ['edited', Buffer.from('bin')], 'user-2');
  await store.delete!(stream, 6, 'user-0');
}

/** Every retained entry of a stream. */
export async function readAll(store: MessageStore, stream: StreamRef): Promise<StoredMessage[]> {
  const all: StoredMessage[] = [];
  let after = 0;
  for (;;) {
    const page = await store.read(stream, { after, limit: 1000 });
    all.push(...page.messages);
    const last = page.messages.at(-1);
    if (!page.hasMore || !last) return all;
    after = last.seq;
  }
}
