import pg from 'pg';
import { migrationSql } from '../src/index';
const pool = new pg.Pool({ connectionString: 'postgres://postgres@127.0.0.1:5432/test', max: 1 });
const schema = 'perfsql_probe';
await pool.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
await pool.query(migrationSql({ schema }));
await pool.query(`CREATE TABLE ${schema}.raw (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, data json NOT NULL)`);
const call = `SELECT * FROM ${schema}.roomlog_append_batch($1,$2,$3,$4,$5,$6,$7,$8,$9,NULL,NULL)`;
const v = () => [['/'], ['r'], [1], ['chat'], ['{"a":1}'], [null], [null], [null], Date.now()];
async function time(name: string, f: () => Promise<unknown>, n = 200) {
  const s: number[] = [];
  for (let i = 0; i < n; i++) { const t = performance.now(); await f(); s.push(performance.now() - t); }
  s.sort((a, b) => a - b);
  console.log(name, s[n >> 1]!.toFixed(3));
}
for (let k = 0; k < 3; k++) {
  await time('fn', () => pool.query(call, v()));
  await time('raw', () => pool.query(`INSERT INTO ${schema}.raw (data) VALUES ($1::json)`, ['{"a":1}']));
  await time('fn in txn no commit wait', async () => { await pool.query('BEGIN'); await pool.query(call, v()); await pool.query('ROLLBACK'); });
  await time('select 1', () => pool.query('SELECT 1'));
}
await pool.query(`DROP SCHEMA ${schema} CASCADE`);
await pool.end();
