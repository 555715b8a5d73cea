/** Decides which optional groups run: by the capabilities the store declares, never by test name. */
import type { StoreCapabilities } from '@roomlog/core';
import type { ConformanceOptions } from './options';

const CAPABILITY_KEYS: readonly (keyof StoreCapabilities)[] = ['editDelete', 'retention', 'cursors', 'erase', 'transactions'];

const probes = new WeakMap<ConformanceOptions, Promise<StoreCapabilities>>();

function isComplete(capabilities: Partial<StoreCapabilities> | undefined): capabilities is StoreCapabilities {
  return capabilities !== undefined && CAPABILITY_KEYS.every((key) => typeof capabilities[key] === 'boolean');
}

async function probe(options: ConformanceOptions): Promise<StoreCapabilities> {
  const store = await options.create({});
  try {
    return { ...store.capabilities, ...options.capabilities };
  } finally {
    await store.close();
  }
}

/**
 * The capabilities the suite tests: `options.capabilities` when it names all of them,
 * otherwise the store's own, read from one store created (and closed) while tests are
 * collected, with `options.capabilities` applied on top. Probed once per options object.
 */
export function resolveCapabilities(options: ConformanceOptions): Promise<StoreCapabilities> {
  if (isComplete(options.capabilities)) return Promise.resolve(options.capabilities);
  let probed = probes.get(options);
  if (!probed) {
    probed = probe(options);
    probes.set(options, probed);
  }
  return probed;
}
