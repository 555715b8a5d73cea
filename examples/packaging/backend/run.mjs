// Loads @roomlog/core without socket.io installed and runs a store built on the kit.
import { createDriverStore, resolveStoreOptions } from '@roomlog/core';

const store = createDriverStore({
  name: 'empty',
  options: resolveStoreOptions('empty'),
  append: async () => new Map(),
  read: async () => null,
  head: async () => null,
});
const page = await store.read({ namespace: '/', room: 'r' });
await store.close();
const closed = await store.head({ namespace: '/', room: 'r' }).catch((error) => error.code);
console.log(JSON.stringify({ page, closed, capabilities: store.capabilities }));
