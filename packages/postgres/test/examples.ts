/**
 * The code shown in README.md, kept here so it is type-checked and run (`readme.test.ts`
 * checks that each `#region` appears verbatim in the README).
 */
import pg from 'pg';
import { createPostgresStore } from '../src/index';

/** README "Usage". */
export async function usage(connectionString: string, schema: string) {
  // #region usage
  const pool = new pg.Pool({ connectionString });
  pool.on('error', (error) => console.warn(`postgres: idle connection lost: ${error.message}`)); // else Node exits
  const store = createPostgresStore(pool, { schema, maxCount: 10_000, closeClient: true });
  await store.migrate(); // idempotent; safe when every node runs it at startup

  const [first] = await store.append([{ namespace: '/', room: 'lobby', event: 'chat', data: { text: 'hi' } }]);
  const page = await store.read({ namespace: '/', room: 'lobby' }, { after: first!.message.seq - 1 });
  console.log(page.messages[0]?.data); // { text: 'hi' }
  await store.close(); // ends the pool because of closeClient: true
  // #endregion usage
  return page;
}

/** README "Transactional append": the order row and its message commit or roll back together. */
export async function placeOrder(pool: pg.Pool, schema: string, orderId: string, total: number) {
  const store = createPostgresStore(pool, { schema });
  // #region transaction
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    await client.query(`INSERT INTO "${schema}".orders (id, total) VALUES ($1, $2)`, [orderId, total]);
    await store.append([{ namespace: '/', room: `order:${orderId}`, event: 'order:placed', data: { orderId, total } }], { client });
    await client.query('COMMIT'); // the message exists if and only if this commit succeeds
  } catch (error) {
    await client.query('ROLLBACK');
    throw error;
  } finally {
    client.release();
  }
  // #endregion transaction
}
