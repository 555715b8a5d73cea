/**
 * Upgrading a schema created before `messages.source_id` existed (see `upgrades.sql.ts`): the
 * old schema is the schema script without its upgrades, exactly what earlier versions ran.
 * Entries written before the upgrade read back unchanged; the upgrade runs while appends go
 * on; behind a long transaction it gives up after its lock timeout instead of queueing every
 * writer behind it; and imported ids then survive byte for byte.
 */
import { randomUUID } from 'node:crypto';
import { isRoomlogError } from '@roomlog/core';
import { afterAll, describe, expect, it } from 'vitest';
import { createPostgresStore, migrationSql } from '../src/index';
import { tableNames } from '../src/options';
import { schemaSql } from '../src/schema.sql';
import { upgradesSql } from '../src/upgrades.sql';
import { newPool, uniqueSchema, waitForServer } from './fixtures';

const pool = newPool({ max: 8 });
const schemas: string[] = [];
afterAll(async () => {
  for (const schema of schemas) await pool.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  await pool.end();
});

/** A schema as a version before the upgrades left it. */
async function oldSchema(): Promise<string> {
  await waitForServer(pool);
  const schema = uniqueSchema();
  schemas.push(schema);
  const t = tableNames(schema);
  const script = schemaSql(t);
  expect(script).toContain(upgradesSql(t));
  await pool.query(script.replace(upgradesSql(t), ''));
  return schema;
}

async function hasSourceId(schema: string): Promise<boolean> {
  const { rows } = await pool.query(
    `SELECT 1 FROM information_schema.columns WHERE table_schema = $1 AND table_name = 'roomlog_messages' AND column_name = 'source_id'`,
    [schema],
  );
  return rows.length === 1;
}

describe('upgrade to source_id', () => {
  it('an old schema is reported by ping, upgraded by migrate() under live appends, and reads back as before', async () => {
    const schema = await oldSchema();
    const store = createPostgresStore(pool, { schema });
    const stream = { namespace: '/', room: `r-${randomUUID()}` };
    const before = await store.append(Array.from({ length: 20 }, (_, i) => ({ ...stream, event: 'chat', data: { i } })));
    await store.setCursor(stream, 'alice', 7);
    await expect(store.ping!()).rejects.toThrow(/source_id.*run store\.migrate\(\)/);

    // Appends keep going while the upgrade runs; none of them fails or waits long.
    let writing = true;
    const written: number[] = [];
    const writer = (async () => {
      while (writing) {
        const [result] = await store.append([{ ...stream, event: 'chat', data: 'live' }]);
        written.push(result!.message.seq);
      }
    })();
    await new Promise((resolve) => setTimeout(resolve, 50));
    await store.migrate();
    await new Promise((resolve) => setTimeout(resolve, 50));
    writing = false;
    await writer;
    expect(await hasSourceId(schema)).toBe(true);
    expect(written.length).toBeGreaterThan(2);
    await store.ping!();

    const page = await store.read(stream, { after: 0, limit: 20 });
    expect(page.messages.map((m) => [m.seq, m.id, m.data])).toEqual(before.map((r) => [r.message.seq, r.message.id, r.message.data]));
    expect(await store.getCursor(stream, 'alice')).toBe(7);
    // Running it again changes nothing (the catalog check, not the ALTER, decides).
    await store.migrate();
    expect((await store.read(stream, { after: 0, limit: 1 })).messages[0]!.id).toBe(before[0]!.message.id);

    const moved = { namespace: '/', room: `moved-${randomUUID()}` };
    const epoch = randomUUID();
    const redisId = `${epoch}:1`;
    await store.importEntries!({ ...moved, epoch }, [
      {
        seq: 1,
        id: redisId,
        epoch,
        event: 'chat',
        data: 'from redis',
        senderId: null,
        clientMessageId: null,
        createdAt: 1,
        kind: 'message',
        target: null,
        version: 1,
        editedAt: null,
        deletedAt: null,
        expiresAt: null,
      },
    ]);
    expect((await store.read(moved, { after: 0 })).messages[0]!.id).toBe(redisId);
  });

  it('behind a long transaction on the table it gives up after its lock timeout, and succeeds once that ends', async () => {
    const schema = await oldSchema();
    const store = createPostgresStore(pool, { schema });
    const stream = { namespace: '/', room: 'r' };
    await store.append([{ ...stream, event: 'chat', data: 1 }]);
    const reader = await pool.connect();
    try {
      await reader.query('BEGIN');
      await reader.query(`SELECT count(*) FROM "${schema}".roomlog_messages`);
      const started = Date.now();
      const error = await store.migrate().then(
        () => null,
        (e: unknown) => e,
      );
      expect(isRoomlogError(error)).toBe(true);
      expect(Date.now() - started).toBeLessThan(15_000);
      expect(await hasSourceId(schema)).toBe(false);
    } finally {
      await reader.query('ROLLBACK');
      reader.release();
    }
    await store.migrate();
    expect(await hasSourceId(schema)).toBe(true);
  }, 30_000);

  it('migrationSql() carries the upgrade, for external migration tools', () => {
    expect(migrationSql({ schema: 'app' })).toContain('ADD COLUMN source_id text');
  });
});
