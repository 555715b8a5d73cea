/**
 * The parent's side of `server.ts`: spawn the chat server as a child process, kill it with
 * SIGKILL, restart it on the same port, and ask it for its memory use.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { BackendConfig } from './backends';
import type { ServerMessage } from './server';

const packageDir = fileURLToPath(new URL('../', import.meta.url));
const entry = fileURLToPath(new URL('./server.ts', import.meta.url));

/** Options of {@link ServerProcess}. */
export interface ServerProcessOptions {
  config: BackendConfig;
  /** Driver timeout for an unreachable database, in ms (see `openStore`). */
  timeoutMs?: number | undefined;
  /** The batcher's `maxQueue`. */
  maxQueue?: number | undefined;
  /** Join a cluster over `@socket.io/redis-adapter` on this Redis URL, with this channel key. */
  adapter?: { url: string; key: string } | undefined;
  /** `roomlog()`'s `healIntervalMs`. */
  healIntervalMs?: number | undefined;
}

/** Memory of the server process, in bytes. */
export interface MemorySample {
  heapUsed: number;
  rss: number;
  /** Buffers outside the heap (what sockets queue for their clients among them). */
  arrayBuffers: number;
}

/** A chat server in a child process. Keeps its port across restarts, so clients reconnect to the same URL. */
export class ServerProcess {
  readonly #options: ServerProcessOptions;
  #child: ChildProcess | null = null;
  #port = 0;
  /** How many times it was killed. */
  kills = 0;

  constructor(options: ServerProcessOptions) {
    this.#options = options;
  }

  /** The URL clients connect to (valid after the first {@link start}). */
  get url(): string {
    return `http://127.0.0.1:${this.#port}`;
  }

  /** Whether the child process is running (started and not exited). */
  get running(): boolean {
    const child = this.#child;
    return child !== null && child.exitCode === null && child.signalCode === null;
  }

  /** Starts the process and resolves once it serves. @returns how long that took, in ms. */
  async start(): Promise<number> {
    const started = Date.now();
    const { config, timeoutMs, maxQueue } = this.#options;
    const args = ['--expose-gc', '--import', 'tsx', entry, '--config', JSON.stringify(config), '--port', String(this.#port)];
    if (timeoutMs !== undefined) args.push('--timeout-ms', String(timeoutMs));
    if (maxQueue !== undefined) args.push('--max-queue', String(maxQueue));
    const { adapter, healIntervalMs } = this.#options;
    if (adapter) args.push('--adapter-url', adapter.url, '--adapter-key', adapter.key);
    if (healIntervalMs !== undefined) args.push('--heal-ms', String(healIntervalMs));
    const child = spawn(process.execPath, args, {
      cwd: packageDir,
      env: { ...process.env, TSX_TSCONFIG_PATH: `${packageDir}tsconfig.json` },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    this.#child = child;
    this.#port = await new Promise<number>((resolve, reject) => {
      const onMessage = (message: ServerMessage) => {
        if (message.type !== 'ready') return;
        child.off('exit', onExit);
        child.off('message', onMessage);
        resolve(message.port);
      };
      const onExit = (code: number | null) => reject(new Error(`chat server exited (${code}) before it was ready`));
      child.on('message', onMessage);
      child.once('exit', onExit);
    });
    return Date.now() - started;
  }

  /** Kills the process with SIGKILL (no cleanup of any kind), waits until it is gone, and counts the kill. */
  async kill(): Promise<void> {
    if (await this.#terminate()) this.kills++;
  }

  /**
   * The server's current memory use.
   * @param collect - after a full garbage collection in the server, so only live memory counts.
   */
  async memory(collect = false): Promise<MemorySample> {
    const { heapUsed, rss, arrayBuffers } = await this.#ask('memory', collect ? { collect: true } : {});
    return { heapUsed, rss, arrayBuffers };
  }

  /** How often each store method was called since the server started. */
  async calls(): Promise<Record<string, number>> {
    return (await this.#ask('calls')).calls;
  }

  /** Sends `{ type, ...options }` over IPC and resolves with the child's answer of that type. */
  #ask<T extends 'memory' | 'calls'>(type: T, options: { collect?: true } = {}): Promise<Extract<ServerMessage, { type: T }>> {
    const child = this.#child;
    if (!child) return Promise.reject(new Error('the chat server is not running'));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        child.off('message', onMessage);
        reject(new Error(`no ${type} answer within 5 s`));
      }, 5_000);
      const onMessage = (message: ServerMessage) => {
        if (message.type !== type) return;
        clearTimeout(timer);
        child.off('message', onMessage);
        resolve(message as Extract<ServerMessage, { type: T }>);
      };
      child.on('message', onMessage);
      child.send({ type, ...options });
    });
  }

  /** Stops the process for good (not counted as a kill). */
  async stop(): Promise<void> {
    await this.#terminate();
  }

  /** SIGKILLs the child if it runs. @returns whether there was one to kill. */
  async #terminate(): Promise<boolean> {
    const child = this.#child;
    this.#child = null;
    if (!child || child.exitCode !== null || child.signalCode !== null) return false;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
    return true;
  }
}
