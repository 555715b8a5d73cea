/** Opening the store a command names and closing it whatever happens. */
import { type MessageStore, isRoomlogError } from '@roomlog/core';
import { integer } from './args';
import { type OpenOptions, openStore } from './connect';
import { UsageError } from './exit-codes';

/** Opens `url`, runs `body` with the store, and closes it (and its client) afterwards. */
export async function withStore<T>(
  url: string,
  values: { timeout?: string | undefined },
  options: Omit<OpenOptions, 'timeoutMs'>,
  body: (store: MessageStore) => Promise<T>,
): Promise<T> {
  const opened = await openStore(url, { ...options, timeoutMs: integer('timeout', values.timeout, 5000, 1) }).catch((error: unknown) => {
    // A URL no backend takes is a bad command line, not bad data.
    if (isRoomlogError(error) && error.code === 'INVALID_ARGUMENT' && error.backend === 'cli') throw new UsageError(error.message);
    throw error;
  });
  try {
    return await body(opened.store);
  } finally {
    await opened.close().catch(() => {});
  }
}
