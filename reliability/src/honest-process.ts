/** The parent's side of `honest.ts`: an honest user in a child process, sending while told to. */
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { HonestMessage } from './honest';

const packageDir = fileURLToPath(new URL('../', import.meta.url));
const entry = fileURLToPath(new URL('./honest.ts', import.meta.url));

/** What the honest user measured between {@link HonestProcess.start} and {@link HonestProcess.stop}. */
export interface HonestSends {
  /** Round trips of the acked sends, in ms, sorted. */
  times: number[];
  /** Sends that were not stored (refused, or no ack within 10 s). */
  failed: number;
}

/** An honest `@roomlog/client` user of `room` in its own process. */
export class HonestProcess {
  readonly #child: ChildProcess;
  readonly #ready: Promise<void>;

  /** Starts the process; it connects and joins `room` (see {@link ready}). */
  constructor(url: string, room = 'lobby') {
    this.#child = spawn(process.execPath, ['--import', 'tsx', entry, '--url', url, '--room', room], {
      cwd: packageDir,
      env: { ...process.env, TSX_TSCONFIG_PATH: `${packageDir}tsconfig.json` },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    this.#ready = this.#next('ready').then(() => undefined);
  }

  /** Resolves once the user has joined its room. */
  ready(): Promise<void> {
    return this.#ready;
  }

  /** Starts sending, one message after another. */
  start(): void {
    this.#child.send({ type: 'start' });
  }

  /** How many sends finished since {@link start}. */
  async progress(): Promise<number> {
    const answer = this.#next('progress');
    this.#child.send({ type: 'progress' });
    return ((await answer) as Extract<HonestMessage, { type: 'progress' }>).sends;
  }

  /** Stops sending and returns what was measured since {@link start}. */
  async stop(): Promise<HonestSends> {
    const answer = this.#next('times');
    this.#child.send({ type: 'stop' });
    const { times, failed } = (await answer) as Extract<HonestMessage, { type: 'times' }>;
    return { times: times.sort((a, b) => a - b), failed };
  }

  /** Ends the process. */
  close(): void {
    this.#child.kill('SIGKILL');
  }

  #next(type: HonestMessage['type']): Promise<HonestMessage> {
    return new Promise((resolve, reject) => {
      const onMessage = (message: HonestMessage) => {
        if (message.type !== type) return;
        this.#child.off('exit', onExit);
        this.#child.off('message', onMessage);
        resolve(message);
      };
      const onExit = (code: number | null) => reject(new Error(`the honest user exited (${code}) before its ${type} message`));
      this.#child.on('message', onMessage);
      this.#child.once('exit', onExit);
    });
  }
}
