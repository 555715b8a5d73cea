#!/usr/bin/env node
/** The `roomlog` executable: runs {@link main} on the process's own streams and exits with its code. */
import { main } from './main';

const controller = new AbortController();
let interrupts = 0;
const stop = () => {
  // A first Ctrl-C lets the command finish its batch (import saves its checkpoint); a second one ends the process.
  if (++interrupts > 1) process.exit(130);
  controller.abort();
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
// A closed pipe (`roomlog export … | head`) is a normal end for the writer, not a crash.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(0);
  throw error;
});

const code = await main(process.argv.slice(2), {
  stdin: process.stdin,
  stdout: process.stdout,
  stderr: process.stderr,
  stderrIsTty: process.stderr.isTTY === true,
  env: process.env,
  signal: controller.signal,
});
process.exitCode = code;
// Drivers may keep sockets or timers open a moment after close; the answer is final.
setTimeout(() => process.exit(code), 100).unref();
