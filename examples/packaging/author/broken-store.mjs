// One plausible author bug: pages come back newest first (rule 5 wants ascending seq).
import { MemoryDatabase, MemoryStore } from '@roomlog/core';

const database = new MemoryDatabase();

export function create(options) {
  const store = new MemoryStore({ ...options, database });
  const read = store.read.bind(store);
  store.read = async (stream, query) => {
    const page = await read(stream, query);
    return { ...page, messages: [...page.messages].reverse() };
  };
  return store;
}
