import { packageTests } from '../vitest.shared.ts';

// These runs kill processes, stop databases and time acks and memory: they run after every
// other project (groupOrder 1) and one file at a time, so the 2-core CI machine's other suites
// neither slow them past their bounds nor get slowed by them.
export default packageTests('reliability', {
  testTimeout: 180_000,
  hookTimeout: 120_000,
  fileParallelism: false,
  sequence: { groupOrder: 1 },
});
