/**
 * Runs the demo as its own process, exactly as `pnpm demo` does (tsx over the workspace
 * sources), so the test can kill it without warning and start it again on the same files.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const chatDir = fileURLToPath(new URL('..', import.meta.url));

/** A running demo process. */
export interface DemoProcess {
  url: string;
  port: number;
  /** Ends the process with SIGKILL: no shutdown code runs, as in a crash. */
  kill(): Promise<void>;
  /** Everything it printed, for failure messages. */
  output(): string;
}

/**
 * Starts the demo and resolves once it prints its URL (its own readiness line).
 * @param args - command-line options, e.g. `['--port', '0', '--data-dir', dir]`.
 */
export function startDemo(args: readonly string[], timeoutMs = 100_000): Promise<DemoProcess> {
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts', ...args], {
    cwd: chatDir,
    env: { ...process.env, TSX_TSCONFIG_PATH: 'tsconfig.json' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => fail(new Error(`the demo did not start within ${timeoutMs} ms:\n${output}`)), timeoutMs);
    const fail = (error: Error) => {
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(error);
    };
    const onEarlyExit = (code: number | null) => fail(new Error(`the demo exited with ${code}:\n${output}`));
    child.once('exit', onEarlyExit);
    child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stdout!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const match = /Roomlog chat on (http:\/\/localhost:(\d+))/.exec(output);
      if (!match) return;
      clearTimeout(timer);
      child.off('exit', onEarlyExit);
      resolve({
        url: match[1]!.replace('localhost', '127.0.0.1'),
        port: Number(match[2]),
        output: () => output,
        async kill() {
          if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
          await exited;
        },
      });
    });
  });
}
