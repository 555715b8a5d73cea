/**
 * Starts a server child process and talks to it (the parent half of server/main.ts).
 */
import { type ChildProcess, fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { withTimeout } from '../stats';
import type { Subject } from '../subjects';
import { SERVER_CONFIG_ENV, type RpcResponse, type ServerConfig, type ServerOps, type StartupMessage } from './rpc';

const entry = fileURLToPath(new URL('./main.ts', import.meta.url));
const STARTUP_TIMEOUT_MS = 60_000;
const SHUTDOWN_TIMEOUT_MS = 30_000;

/** A running server child. */
export interface ServerHandle {
  /** Where clients connect, e.g. `http://127.0.0.1:40123`. */
  url: string;
  /** Sends a request and resolves with the child's answer. */
  call<K extends keyof ServerOps>(op: K, args: ServerOps[K]['args']): Promise<ServerOps[K]['value']>;
  /** Stops the child, which first removes the data it created; resolves when it has exited. */
  stop(): Promise<void>;
}

/** `BENCH_CPU_PROF=<dir>`: each server child writes a V8 CPU profile there when it exits. */
function profileFlags(): string[] {
  const dir = process.env.BENCH_CPU_PROF;
  return dir ? ['--cpu-prof', `--cpu-prof-dir=${dir}`] : [];
}

/**
 * Forks a server for `subject`. The child runs through the same tsx loader as this process
 * (inherited `execArgv`), so it imports the workspace packages from source too.
 */
export async function startServer(subject: Subject, runId: string): Promise<ServerHandle> {
  const config: ServerConfig = { mode: subject.mode, runId };
  const child = fork(entry, [], {
    execArgv: [...process.execArgv, ...profileFlags()],
    env: { ...process.env, [SERVER_CONFIG_ENV]: JSON.stringify(config) },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const port = await withTimeout(waitForStartup(child), STARTUP_TIMEOUT_MS, `${subject.label} server startup`);

  let nextId = 1;
  const pending = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>();
  child.on('message', (message: RpcResponse) => {
    const waiter = pending.get(message.id);
    if (!waiter) return;
    pending.delete(message.id);
    if (message.ok) waiter.resolve(message.value);
    else waiter.reject(new Error(`${subject.label} server: ${message.error}`));
  });
  child.once('exit', (code) => {
    for (const waiter of pending.values()) waiter.reject(new Error(`${subject.label} server exited (${code})`));
    pending.clear();
  });

  return {
    url: `http://127.0.0.1:${port}`,
    call(op, args) {
      return new Promise((resolve, reject) => {
        const id = nextId++;
        pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
        child.send({ id, op, args });
      });
    },
    async stop() {
      if (child.connected) child.disconnect();
      await withTimeout(exited, SHUTDOWN_TIMEOUT_MS, `${subject.label} server shutdown`).catch((error: unknown) => {
        child.kill('SIGKILL');
        throw error;
      });
    },
  };
}

function waitForStartup(child: ChildProcess): Promise<number> {
  return new Promise((resolve, reject) => {
    child.once('message', (message: StartupMessage) => {
      if (message.type === 'ready') resolve(message.port);
      else reject(new Error(message.error));
    });
    child.once('exit', (code) => reject(new Error(`server exited during startup (${code})`)));
  });
}
