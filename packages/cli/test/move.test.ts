/**
 * `roomlog export | roomlog import` between real backends: the target's log equals the
 * source's entry by entry (seq, epoch, id, times, versions, edits, tombstones, binary data), a
 * re-run writes nothing, and a client's offset goes on from the same place.
 */
import pg from 'pg';
import type { MessageStore } from '@roomlog/core';
import { afterAll, describe, expect, it } from 'vitest';
import { type OpenStore, openStore } from '../src/connect';
import { cli, freshStream, freshUrls, readAll, seed } from './harness';

const urls = await freshUrls();
const opened: OpenStore[] = [];

async function open(url: string): Promise<MessageStore> {
  const store = await openStore(url, { prepare: true });
  opened.push(store);
  return store.store;
}

afterAll(async () => {
  for (const store of opened) {
    // Redis keys and Mongo documents go stream by stream; the PostgreSQL schema goes whole below.
    if (store.store.name === 'mongo' || store.store.name === 'redis') {
      for (const stream of (await store.store.listStreams!({ limit: 1000 })).streams) await store.store.dropStream!(stream);
    }
    await store.close();
  }
  const client = new pg.Client({ connectionString: process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test' });
  await client.connect();
  await client.query(`DROP SCHEMA IF EXISTS "${urls.postgresSchema}" CASCADE`);
  await client.end();
});

const pairs = [
  ['redis', 'postgres'],
  ['postgres', 'mongo'],
  ['sqlite', 'postgres'],
  ['mongo', 'redis'],
  ['postgres', 'sqlite'],
  ['redis', 'sqlite'],
] as const;

describe('export | import between backends', () => {
  for (const [from, to] of pairs) {
    it(`${from} → ${to}: the same log, entry by entry; a re-run writes nothing; appends go on`, async () => {
      const source = await open(urls[from]);
      const stream = freshStream();
      await seed(source, stream, 1203);
      // Read markers: one user far behind, one at the head, one in between, and some members
      // (paging past 1,000 markers is tested on the memory store in commands.test.ts).
      const markers = new Map<string, number>([
        ['alice', 3],
        ['bob', 1203],
        ['ü 🎉', 600],
      ]);
      for (let i = 0; i < 20; i++) markers.set(`member-${i}`, i * 60 + 1);
      for (const [user, seq] of markers) await source.setCursor!(stream, user, seq);
      const before = await readAll(source, stream);
      const sourceHead = await source.head(stream);

      const exported = await cli(['export', urls[from], '--room', stream.room, '--namespace', stream.namespace]);
      expect(exported).toMatchObject({ code: 0, stderr: '' });
      const imported = await cli(['import', urls[to]], exported.stdout);
      expect(imported.code, imported.stderr).toBe(0);
      expect(imported.stderr).toContain(`1203 entries written, 0 already there, ${markers.size} read markers`);
      // Opened after the import: a sql.js DataSource holds its own copy of the file from when it opened.
      const target = await open(urls[to]);

      const after = await readAll(target, stream);
      // Every field, ids included: Redis's `<epoch>:<seq>` survives PostgreSQL and TypeORM byte for byte.
      expect(after).toEqual(before);
      expect(await target.head(stream)).toEqual(sourceHead);
      for (const [user, seq] of markers) expect(await target.getCursor!(stream, user)).toBe(seq);
      for (const user of ['alice', 'bob', 'ü 🎉', 'member-7', 'nobody']) {
        expect(await target.unreadCount!(stream, user), user).toBe(await source.unreadCount!(stream, user));
      }

      const again = await cli(['import', urls[to]], exported.stdout);
      expect(again.code, again.stderr).toBe(0);
      expect(again.stderr).toContain('0 entries written, 1203 already there');
      expect(await readAll(target, stream)).toHaveLength(before.length);

      // A client that held offset (head seq, epoch) on the source continues on the target.
      const [next] = await target.append([{ ...stream, event: 'chat', data: 'after the move' }]);
      expect(next?.message).toMatchObject({ seq: sourceHead!.seq + 1, epoch: sourceHead!.epoch });
      const page = await target.read(stream, { after: sourceHead!.seq });
      expect(page.messages.map((m) => m.data)).toEqual(['after the move']);
    }, 120_000);
  }
});
