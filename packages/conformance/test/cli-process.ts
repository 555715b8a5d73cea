/** Runs the CLI (or another script of this package) from source in a child process. */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const packageDir = fileURLToPath(new URL('..', import.meta.url));
const cliSource = fileURLToPath(new URL('../src/cli.ts', import.meta.url));

/** What a CLI run printed and how it ended. */
export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs `roomlog-conformance ...args` from its TypeScript source and resolves when the process
 * exits. Its output is a pipe and no colour variable is set: the CLI itself must print no colours.
 */
export function runCli(args: readonly string[]): Promise<CliRun> {
  const { FORCE_COLOR: _force, NO_COLOR: _no, ...env } = process.env;
  return runNode([cliSource, ...args], env);
}

/** Runs a node script (TypeScript through tsx) in this package's directory, without colors. */
export function runNode(
  args: readonly string[],
  env: NodeJS.ProcessEnv = { ...process.env, FORCE_COLOR: '0', NO_COLOR: '1' },
): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', ...args], {
      cwd: packageDir,
      env,
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}
