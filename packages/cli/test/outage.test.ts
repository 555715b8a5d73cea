/**
 * An import whose target database is killed halfway: `roomlog import` exits 3 (unavailable)
 * with its checkpoint saved, and the same command run again once the database is back ends
 * with the whole log, entry by entry as exported.
 */
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Writable } from 'node:stream';
import { createMemoryStore } from '@roomlog/core';
import { createRedisStore } from '@roomlog/redis';
import { Redis } from 'ioredis';
import { afterAll, expect, it } from 'vitest';
import { startRedis } from '../../redis/test/fixtures';
import { EXIT_CODES } from '../src/exit-codes';
import { exportLog } from '../src/move';
import { cli, freshStream, readAll, seed } from './harness';

const redis = await startRedis({ aof: true });
const url = `redis://127.0.0.1:${redis.server.port}`;

afterAll(() => redis.stop());

it('a target killed mid-import: exit 3, checkpoint kept; the re-run completes the identical log', async () => {
  const source = createMemoryStore();
  const stream = freshStream();
  await seed(source, stream, 3500);
  let text = '';
  await exportLog(
    source,
    new Writable({
      write(chunk: Buffer, _encoding, done) {
        text += chunk.toString();
        done();
      },
    }),
    { streams: [stream] },
  );
  const lines = text.split('\n').filter(Boolean);
  const checkpoint = join(await mkdtemp(join(tmpdir(), 'roomlog-outage-')), 'import.json');

  const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1, enableOfflineQueue: false });
  await client.connect();
  const target = createRedisStore(client);
  const input = new PassThrough();
  const importing = cli(['import', url, '--checkpoint', checkpoint], input);
  input.write(`${lines.slice(0, 2200).join('\n')}\n`);
  const deadline = Date.now() + 20_000;
  while (((await target.head(stream))?.seq ?? 0) < 2000 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
  target.close();
  client.disconnect();
  await redis.server.kill();
  input.end(`${lines.slice(2200).join('\n')}\n`);
  const failed = await importing;
  expect(failed.code, failed.stderr).toBe(EXIT_CODES.unavailable);
  // The second batch is stored; its checkpoint is written only once the store answered for it,
  // which the kill may have prevented: the checkpoint never claims more than is stored.
  expect([1002, 2002]).toContain(JSON.parse(await readFile(checkpoint, 'utf8')).line);

  await redis.server.start();
  const resumed = await cli(['import', url, '--checkpoint', checkpoint], `${lines.join('\n')}\n`);
  expect(resumed.code, resumed.stderr).toBe(0);
  expect(resumed.stderr).toContain('1500 entries written');
  const check = new Redis(url);
  const after = createRedisStore(check);
  expect(await readAll(after, stream)).toEqual(await readAll(source, stream));
  expect(await after.head(stream)).toEqual(await source.head(stream));
  await after.close();
  check.disconnect();
}, 120_000);
