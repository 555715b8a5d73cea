/**
 * The figures behind "named prepared statements" in docs/backends/postgres.md: the append's
 * latency with unnamed (what the store sends) and named statements, straight to PostgreSQL and
 * through PgBouncer in transaction mode, next to the raw driver's single durable insert and the
 * previous release's append function (test/previous-roomlog.sql) and the append's writes alone
 * (counter update and one row, as one plain statement: what any gapless log must write, without
 * the function's idempotency and retention work); and whether named statements survive
 * transaction pooling. Not a test; run by hand:
 *
 *   PGBOUNCER_URL=postgres://postgres@127.0.0.1:6439/test \
 *     pnpm exec tsx --tsconfig tsconfig.json packages/postgres/bench/pgbouncer.ts
 *
 * with a PgBouncer of your own on that port (`pool_mode = transaction`) in front of the
 * `DATABASE_URL` server. It works in a schema of its own and drops it afterwards.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { prepareBatch, resolveStoreOptions } from '@roomlog/core';
import pg from 'pg';
import { appendParams } from '../src/append';
import { tableNames } from '../src/options';
import { appendSql } from '../src/queries.sql';
import { DATABASE_URL, uniqueSchema } from '../test/fixtures';
import { createPostgresStore } from '../src/index';

const BOUNCER_URL = process.env.PGBOUNCER_URL;
const ROUNDS = Number(process.env.ROUNDS ?? 400);
const CALLERS = 8;

type Send = (room: string) => Promise<unknown>;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

async function main(): Promise<void> {
  if (!BOUNCER_URL) throw new Error('set PGBOUNCER_URL to a PgBouncer in transaction mode (see the file comment)');
  const schema = uniqueSchema();
  const direct = new pg.Pool({ connectionString: DATABASE_URL, max: CALLERS });
  const bounced = new pg.Pool({ connectionString: BOUNCER_URL, max: CALLERS });
  const store = createPostgresStore(direct, { schema });
  await store.migrate();
  await direct.query(`CREATE TABLE "${schema}".raw (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, data json NOT NULL)`);
  const previousSchema = uniqueSchema();
  await direct.query(
    readFileSync(new URL('../test/previous-roomlog.sql', import.meta.url), 'utf8').replaceAll('"public"', `"${previousSchema}"`),
  );
  // The previous store's call: 14 parameters, ids and epochs drawn in Node.
  const previousAppend = `SELECT * FROM "${previousSchema}".roomlog_append($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)`;
  const t = tableNames(schema);
  const options = resolveStoreOptions('postgres', {});
  const text = appendSql(t, { maxCount: null, maxAgeMs: null });
  const payload = JSON.stringify({ text: 'a typical short chat line of about sixty characters', at: 1_700_000_000_000 });
  const params = (room: string) =>
    appendParams(prepareBatch('postgres', [{ namespace: '/', room, event: 'chat', data: JSON.parse(payload) }], options, true));
  const viaPool =
    (pool: pg.Pool, named: boolean): Send =>
    (room) =>
      pool.query(named ? { name: 'roomlog_bench_append', text, values: params(room) } : { text, values: params(room) });
  const sends: Record<string, Send> = {
    'raw single durable insert (direct)': () => direct.query(`INSERT INTO "${schema}".raw (data) VALUES ($1::json)`, [payload]),
    'previous append function, unnamed (direct)': (room) =>
      direct.query(previousAppend, [
        ['/'],
        [room],
        [randomUUID()],
        [1],
        [randomUUID()],
        ['chat'],
        [payload],
        [null],
        [null],
        [null],
        Date.now(),
        null,
        null,
        18,
      ]),
    'append, unnamed (direct)': viaPool(direct, false),
    'same writes, one plain CTE (direct)': (room) =>
      direct.query(
        `WITH st AS (UPDATE ${t.streams} s SET seq = s.seq + 1 WHERE s.namespace = '/' AND s.room = $1 RETURNING s.stream_id, s.seq)
         INSERT INTO ${t.messages} (stream_id, seq, id, created_at, event, payload) SELECT st.stream_id, st.seq, gen_random_uuid(), $2, 'chat', $3::json FROM st`,
        [room, Date.now(), payload],
      ),
    'append, named (direct)': viaPool(direct, true),
    'append, unnamed (PgBouncer transaction mode)': viaPool(bounced, false),
  };
  try {
    // Latency: one caller, one message per call, the cases interleaved round by round.
    const samples = new Map<string, number[]>(Object.keys(sends).map((name) => [name, []]));
    const room = `lat-${randomUUID()}`;
    for (const send of Object.values(sends)) for (let i = 0; i < 20; i++) await send(room); // warm-up
    for (let round = 0; round < ROUNDS; round++) {
      for (const [name, send] of Object.entries(sends)) {
        const started = performance.now();
        await send(room);
        samples.get(name)!.push(performance.now() - started);
      }
    }
    for (const [name, values] of samples) console.log(`${name}: p50 ${median(values).toFixed(3)} ms over ${values.length}`);

    // Throughput: CALLERS callers on distinct streams for 3 s each, unnamed, direct vs PgBouncer.
    for (const [name, send] of [
      ['direct', sends['append, unnamed (direct)']!],
      ['PgBouncer', sends['append, unnamed (PgBouncer transaction mode)']!],
    ] as const) {
      let done = 0;
      const until = performance.now() + 3000;
      await Promise.all(
        Array.from({ length: CALLERS }, async (_, caller) => {
          while (performance.now() < until) {
            await send(`tp-${caller}`);
            done++;
          }
        }),
      );
      console.log(`throughput unnamed ${name}, ${CALLERS} callers: ${Math.round(done / 3)} appends/s`);
    }

    // Named statements behind transaction pooling: each client's statement is prepared on
    // whichever server connection it had; a later call may run on another one.
    const named = viaPool(bounced, true);
    let ok = 0;
    const errors = new Map<string, number>();
    await Promise.all(
      Array.from({ length: CALLERS }, async (_, caller) => {
        for (let i = 0; i < 50; i++) {
          try {
            await named(`named-${caller}`);
            ok++;
          } catch (error) {
            const message = (error as Error).message.replace(/"[^"]*"/g, '"…"');
            errors.set(message, (errors.get(message) ?? 0) + 1);
          }
        }
      }),
    );
    console.log(`named through PgBouncer, ${CALLERS} callers × 50: ${ok} ok, failures: ${JSON.stringify(Object.fromEntries(errors))}`);
  } finally {
    await direct.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await direct.query(`DROP SCHEMA IF EXISTS "${previousSchema}" CASCADE`);
    await Promise.all([direct.end(), bounced.end()]);
  }
}

await main();
