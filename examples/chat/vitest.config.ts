import { packageTests } from '../../vitest.shared.ts';

// The browser test starts the demo as a child process (TypeORM + sql.js through tsx), twice,
// and drives Chromium: slower than unit tests, so its steps get more time.
export default packageTests('chat', { testTimeout: 60_000, hookTimeout: 120_000 });
