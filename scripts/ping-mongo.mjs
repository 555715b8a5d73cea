// Exits 0 when a MongoDB-wire server at the given URL answers `hello`; used to wait by polling.
import { createRequire } from 'node:module';

const require = createRequire(new URL('../packages/mongo/package.json', import.meta.url));
const { MongoClient } = require('mongoose').mongo;
const client = new MongoClient(process.argv[2], { serverSelectionTimeoutMS: 500, connectTimeoutMS: 500 });
try {
  await client.connect();
  await client.db('admin').command({ hello: 1 });
  process.exit(0);
} catch {
  process.exit(1);
} finally {
  await client.close().catch(() => {});
}
