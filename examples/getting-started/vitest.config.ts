import { packageTests } from '../../vitest.shared.ts';

// The test also runs src/main.ts twice as a child process (tsx, TypeORM + sql.js).
export default packageTests('getting-started', { testTimeout: 60_000 });
