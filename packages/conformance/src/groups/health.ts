/** `ping()`: the readiness check answers while the store is open and rejects `CLOSED` after. */
import { expect, it } from 'vitest';
import { expectRoomlogError } from '../assertions';
import { defineGroup } from '../harness';

/** `ping` tests; skipped for a store without `ping`. */
export const healthTests = defineGroup('health: ping', null, (h) => {
  it('health: ping resolves on an open store and rejects CLOSED after close', async ({ skip }) => {
    const store = await h.open();
    if (typeof store.ping !== 'function') return skip('the store has no ping()');
    await expect(store.ping()).resolves.toBeUndefined();
    await store.close();
    await expectRoomlogError(store, 'CLOSED', () => store.ping!());
  });
});
