/**
 * `migrate()`: idempotent, safe from several pools at once, and the same script as the shipped
 * `sql/roomlog.sql`; schema and prefix are validated identifiers.
 */
import { readFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { createPostgresStore, migrationSql } from '../src/index';
import { shippedSql } from '../src/shipped-sql';
import { newPool, uniqueSchema, waitForServer } from './fixtures';

const admin = newPool();
const schemas: string[] = [];
afterAll(async () => {
  for (const schema of schemas) await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  await admin.end();
});

function freshSchema(): string {
  const schema = uniqueSchema();
  schemas.push(schema);
  return schema;
}

async function tablesIn(schema: string): Promise<string[]> {
  const { rows } = await admin.query<{ name: string }>(
    `SELECT c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE n.nspname = $1 AND c.relkind IN ('r', 'i') ORDER BY 1`,
    [schema],
  );
  return rows.map((r) => r.name);
}

describe('migrate', () => {
  it('succeeds from 4 pools at once, and again afterwards', async () => {
    await waitForServer(admin);
    const schema = freshSchema();
    const pools = Array.from({ length: 4 }, () => newPool({ max: 1 }));
    try {
      const stores = pools.map((pool) => createPostgresStore(pool, { schema }));
      await Promise.all(stores.map((store) => store.migrate()));
      await Promise.all(stores.map((store) => store.migrate()));
      expect(await tablesIn(schema)).toEqual([
        'roomlog_cursors',
        'roomlog_cursors_pkey',
        'roomlog_messages',
        'roomlog_messages_client_id',
        'roomlog_messages_expiry',
        'roomlog_messages_pkey',
        'roomlog_messages_sender',
        'roomlog_streams',
        'roomlog_streams_name',
        'roomlog_streams_pkey',
      ]);
      const [result] = await stores[3]!.append([{ namespace: '/', room: 'r', event: 'e', data: 1 }]);
      expect(result!.message.seq).toBe(1);
    } finally {
      await Promise.all(pools.map((pool) => pool.end()));
    }
  });

  it('keeps tenants with different prefixes in one schema apart', async () => {
    const schema = freshSchema();
    const [a, b] = [createPostgresStore(admin, { schema, tablePrefix: 'a_' }), createPostgresStore(admin, { schema, tablePrefix: 'b_' })];
    await Promise.all([a.migrate(), b.migrate()]);
    const room = { namespace: '/', room: 'shared-name' };
    await a.append([{ ...room, event: 'e', data: 'for a' }]);
    expect((await a.read(room)).messages.map((m) => m.data)).toEqual(['for a']);
    expect(await b.head(room)).toBeNull();
  });

  it('ships sql/roomlog.sql generated from migrationSql() (run `pnpm --filter @roomlog/postgres sql` to refresh)', () => {
    const shipped = readFileSync(new URL('../sql/roomlog.sql', import.meta.url), 'utf8');
    expect(shipped).toBe(shippedSql());
    expect(shipped).toContain(migrationSql());
  });

  it.each([
    ['schema', { schema: 'public"; DROP TABLE x; --' }],
    ['schema', { schema: 'Public' }],
    ['schema', { schema: 'x'.repeat(64) }],
    ['tablePrefix', { tablePrefix: 'a b' }],
    ['tablePrefix', { tablePrefix: 'x'.repeat(33) }],
  ])('refuses a %s that is not a plain identifier: %j', (field, options) => {
    expect(() => createPostgresStore(admin, options)).toThrow(
      expect.objectContaining({ code: 'INVALID_ARGUMENT', message: expect.stringContaining(field) }),
    );
    expect(() => migrationSql(options)).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
  });

  it('says to run migrate() when the tables are missing', async () => {
    const store = createPostgresStore(admin, { schema: freshSchema() });
    await expect(store.head({ namespace: '/', room: 'r' })).rejects.toMatchObject({
      name: 'RoomlogError',
      code: 'INTERNAL',
      message: expect.stringContaining('run store.migrate()'),
      cause: expect.objectContaining({ code: '42P01' }),
    });
  });

  it('upgrades a schema made by the previous release while its append function keeps working', async () => {
    const schema = freshSchema();
    // The previous release's shipped script (append function `roomlog_append`, 14 parameters).
    const previous = readFileSync(new URL('./previous-roomlog.sql', import.meta.url), 'utf8').replaceAll('"public"', `"${schema}"`);
    await admin.query(previous);
    const oldAppend = (room: string, text: string) =>
      admin.query(
        `SELECT seq FROM "${schema}".roomlog_append('{/}', ARRAY[$1::text], ARRAY[gen_random_uuid()], '{1}',
           ARRAY[gen_random_uuid()], '{chat}', ARRAY[$2::text], '{NULL}', '{NULL}', '{NULL}', $3, NULL, NULL, 18)`,
        [room, text, Date.now()],
      );
    expect((await oldAppend('r', '{"n":1}')).rows).toEqual([{ seq: '1' }]);
    const store = createPostgresStore(admin, { schema });
    await store.migrate();
    await expect(store.ping?.()).resolves.toBeUndefined();
    const [second] = await store.append([{ namespace: '/', room: 'r', event: 'chat', data: { n: 2 } }]);
    expect(second!.message.seq).toBe(2);
    // A node not yet upgraded still appends, into the same sequence.
    expect((await oldAppend('r', '{"n":3}')).rows).toEqual([{ seq: '3' }]);
    const page = await store.read({ namespace: '/', room: 'r' }, { after: 0, limit: 10 });
    expect(page.messages.map((m) => [m.seq, m.data])).toEqual([
      [1, { n: 1 }],
      [2, { n: 2 }],
      [3, { n: 3 }],
    ]);
    expect(new Set(page.messages.map((m) => m.epoch)).size).toBe(1);
  });
});
