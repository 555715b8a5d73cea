import { packageTests } from '../vitest.shared.ts';

/**
 * The vitest project `pnpm mutation` runs for every mutant: the conformance suite (every group
 * but `model` and `concurrency`) against MemoryStore and against a kit store that settles
 * idempotency as the SQL backends do, nothing else, so a mutant counts as killed only when the
 * suite itself notices.
 */
export default packageTests('mutation', {
  root: new URL('..', import.meta.url).pathname,
  include: ['mutation/*.mutation.test.ts'],
});
