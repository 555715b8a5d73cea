import { packageTests } from '../vitest.shared.ts';

/**
 * The vitest project `pnpm mutation` runs for every mutant: the conformance suite (every group
 * but `model`) against MemoryStore, nothing else, so a mutant counts as killed only when the
 * suite itself notices.
 */
export default packageTests('mutation', {
  root: new URL('..', import.meta.url).pathname,
  include: ['mutation/memory.mutation.test.ts'],
});
