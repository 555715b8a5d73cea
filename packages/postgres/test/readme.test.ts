/** README.md shows `examples.ts` verbatim, and the examples run against the real server. */
import { readFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { placeOrder, usage } from './examples';
import { DATABASE_URL, testDatabase } from './fixtures';

const db = testDatabase();
afterAll(() => db.drop());

function region(source: string, name: string): string {
  const match = new RegExp(`// #region ${name}\\n([\\s\\S]*?)\\n\\s*// #endregion ${name}`).exec(source);
  if (!match) throw new Error(`no region ${name}`);
  const lines = match[1]!.split('\n');
  const indent = Math.min(...lines.filter((l) => l.trim()).map((l) => l.length - l.trimStart().length));
  return lines.map((l) => l.slice(indent)).join('\n');
}

describe('README', () => {
  const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
  const examples = readFileSync(new URL('./examples.ts', import.meta.url), 'utf8');

  it.each(['usage', 'transaction'])('shows the %s example verbatim', (name) => {
    expect(readme).toContain(region(examples, name));
  });

  it('usage example works', async () => {
    await db.store();
    const page = await usage(DATABASE_URL, db.schema);
    expect(page.messages.map((m) => m.data)).toEqual([{ text: 'hi' }]);
  });

  it('transaction example stores the order and its message together, and neither when the order fails', async () => {
    const store = await db.store();
    await db.pool.query(`CREATE TABLE "${db.schema}".orders (id text PRIMARY KEY, total int NOT NULL)`);
    await placeOrder(db.pool, db.schema, 'o1', 42);
    await expect(placeOrder(db.pool, db.schema, 'o1', 43)).rejects.toThrow(/duplicate key/);
    expect((await store.read({ namespace: '/', room: 'order:o1' })).messages.map((m) => m.data)).toEqual([{ orderId: 'o1', total: 42 }]);
  });
});
