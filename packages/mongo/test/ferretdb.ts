/**
 * A FerretDB of the test's own, on a free port, started through `scripts/ferretdb.sh` (which
 * waits for `hello`) and stopped by the pid that listens on that port — never the shared server.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const script = fileURLToPath(new URL('../../../scripts/ferretdb.sh', import.meta.url));

/** A port nothing listens on right now. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

/** One private FerretDB: its port and data directory survive a stop, so a restart finds the data. */
export interface PrivateFerretDB {
  port: number;
  dir: string;
  url: string;
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Stops the server and deletes its data directory. */
  remove(): Promise<void>;
}

/** Creates (does not start) a private FerretDB on a free port with a fresh data directory. */
export async function privateFerretDB(): Promise<PrivateFerretDB> {
  const port = await freePort();
  const dir = await mkdtemp(join(tmpdir(), 'roomlog-mongo-outage-'));
  const stop = async () => {
    const pid = await listenerPid(port);
    if (pid === null) return;
    process.kill(pid, 'SIGKILL');
    // Poll until the port is closed, so the next step sees a dead server.
    while ((await listenerPid(port)) !== null) await new Promise((resolve) => setImmediate(resolve));
  };
  return {
    port,
    dir,
    url: `mongodb://127.0.0.1:${port}`,
    async start() {
      await run('bash', [script, 'start', String(port), dir], { timeout: 120_000 });
    },
    stop,
    async remove() {
      await stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** The pid listening on 127.0.0.1:`port`, from `ss`, or `null`. */
async function listenerPid(port: number): Promise<number | null> {
  const { stdout } = await run('ss', ['-Hltnp', `sport = :${port}`]);
  const match = /pid=(\d+)/.exec(stdout);
  return match ? Number(match[1]) : null;
}
