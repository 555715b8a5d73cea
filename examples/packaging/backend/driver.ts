// A backend author's project: only @roomlog/core is installed (no socket.io), type-checked with
// skipLibCheck off, so every declaration core ships must resolve without Socket.IO.
import { type StoreDriver, createDriverStore, resolveStoreOptions } from '@roomlog/core';

const driver: StoreDriver = {
  name: 'empty',
  options: resolveStoreOptions('empty'),
  append: async () => new Map(),
  read: async () => null,
  head: async () => null,
};

export const store = createDriverStore(driver);
