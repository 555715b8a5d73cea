// docs/custom-backend.md shows the example backend exactly as the tests run it.
import { readFile } from 'node:fs/promises';
import { expect, it } from 'vitest';

it('docs/custom-backend.md embeds test/fixtures/kit-store.ts verbatim', async () => {
  const doc = await readFile(new URL('../../../docs/custom-backend.md', import.meta.url), 'utf8');
  const source = await readFile(new URL('./fixtures/kit-store.ts', import.meta.url), 'utf8');
  const embedded = /<!-- kit-store\.ts:start -->\n```ts\n([\s\S]*?)```\n<!-- kit-store\.ts:end -->/.exec(doc)?.[1];
  expect(embedded).toBe(source);
});
