import { packageTests } from '../vitest.shared.ts';

/**
 * The vitest project `pnpm mutation` runs for every mutant: the conformance suite against
 * MemoryStore, nothing else, so a mutant counts as killed only when the suite itself notices.
 */
export default packageTests('mutation', {
  root: new URL('..', import.meta.url).pathname,
  include: ['packages/core/test/memory.conformance.test.ts'],
});
