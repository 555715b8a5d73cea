/**
 * Removes what the run created on the shared servers even when it is interrupted: every opened
 * store or raw writer is tracked until closed, and Ctrl-C / SIGTERM close them before exiting.
 * (Server children clean up on their own when the IPC channel to this process closes.)
 */

const open = new Set<() => Promise<void>>();

/** Tracks `resource` until its `close()` ran; returns it with `close` wrapped accordingly. */
export function tracked<T extends { close(): Promise<void> }>(resource: T): T {
  const close = async () => {
    open.delete(close);
    await resource.close();
  };
  open.add(close);
  return { ...resource, close };
}

/** On SIGINT/SIGTERM: close everything still open, then exit with the signal's status. */
export function closeOnSignals(): void {
  const stop = (signal: NodeJS.Signals, status: number) => {
    process.stderr.write(`[bench] ${signal}: removing this run's data\n`);
    void Promise.allSettled([...open].map((close) => close())).then(() => process.exit(status));
  };
  process.once('SIGINT', () => stop('SIGINT', 130));
  process.once('SIGTERM', () => stop('SIGTERM', 143));
}
