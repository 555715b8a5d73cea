/**
 * The MongoDB-wire server the tests talk to: `MONGODB_URL`, or the FerretDB that
 * `scripts/services.sh` starts on 127.0.0.1:27017. Each test file works in its own database
 * (latin letters only: FerretDB's rule) and drops it afterwards.
 */
import { randomInt } from 'node:crypto';
import mongoose, { type Connection } from 'mongoose';

/** Base URL without a database name. */
export const MONGODB_URL = (process.env.MONGODB_URL ?? 'mongodb://127.0.0.1:27017').replace(/\/+$/, '');

/** A fresh database name: `roomlogtest` and random latin letters. */
export function randomDatabaseName(): string {
  const letters = Array.from({ length: 12 }, () => String.fromCharCode(97 + randomInt(26))).join('');
  return `roomlogtest${letters}`;
}

/**
 * Opens a mongoose connection to `database` on `url` and waits until it is usable.
 * @param serverSelectionTimeoutMS - how long a call waits for a reachable server.
 * @param heartbeatFrequencyMS - how often the driver checks the server (a restarted one is noticed within it).
 */
export async function connect(
  database: string,
  url = MONGODB_URL,
  serverSelectionTimeoutMS = 10_000,
  heartbeatFrequencyMS = 10_000,
): Promise<Connection> {
  return mongoose.createConnection(`${url}/${database}`, { serverSelectionTimeoutMS, heartbeatFrequencyMS }).asPromise();
}

/** Drops `database` through `connection` and closes every connection given. */
export async function dropAndClose(connection: Connection, ...others: Connection[]): Promise<void> {
  try {
    await connection.dropDatabase();
  } finally {
    await Promise.all([connection, ...others].map((c) => c.close()));
  }
}

/** Whether the test server is FerretDB (its `buildInfo` carries `ferretdbVersion`). */
export async function serverIsFerretDB(url = MONGODB_URL): Promise<boolean> {
  const connection = await mongoose.createConnection(`${url}/admin`, { serverSelectionTimeoutMS: 10_000 }).asPromise();
  try {
    const info = await connection.db!.admin().command({ buildInfo: 1 });
    return typeof info.ferretdbVersion === 'string';
  } finally {
    await connection.close();
  }
}
