/**
 * The shape of a store factory module, as the `roomlog-conformance` CLI loads it.
 *
 * A module either default-exports the options, or exports them by name:
 *
 * ```ts
 * export default { name: 'my-store', create: (options) => new MyStore(options) };
 * // or
 * export const name = 'my-store';
 * export function create(options) { return new MyStore(options); }
 * export async function cleanup() {}
 * ```
 */
import type { ConformanceOptions, ConformanceTransaction } from './options';

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object';
}

/**
 * Reads {@link ConformanceOptions} from a loaded factory module: its default export if that
 * has a `create` function, else the module's named exports.
 *
 * @param module - the module namespace object.
 * @param fallbackName - report name when the module exports none (e.g. the file name).
 * @throws TypeError naming what is missing, when neither form has a `create` function.
 */
export function optionsFromModule(module: unknown, fallbackName: string): ConformanceOptions {
  const namespace = isRecord(module) ? module : {};
  const candidate = isRecord(namespace.default) && typeof namespace.default.create === 'function' ? namespace.default : namespace;
  if (typeof candidate.create !== 'function') {
    throw new TypeError(
      'a store factory module must export `create(options)` (or `export default { name, create }`); ' +
        `found exports: ${Object.keys(namespace).join(', ') || 'none'}`,
    );
  }
  const { name, create, cleanup, inspect, capabilities, transaction, isolatesTransactions, heavyTestTimeoutMs } = candidate;
  return {
    name: typeof name === 'string' && name.length > 0 ? name : fallbackName,
    // Bound, so a default-exported object may use `this` in its methods.
    create: (create as ConformanceOptions['create']).bind(candidate),
    cleanup: typeof cleanup === 'function' ? (cleanup as () => void | Promise<void>).bind(candidate) : undefined,
    inspect: isRecord(inspect) ? (inspect as unknown as ConformanceOptions['inspect']) : undefined,
    capabilities: isRecord(capabilities) ? (capabilities as ConformanceOptions['capabilities']) : undefined,
    transaction:
      typeof transaction === 'function' ? ((transaction as ConformanceTransaction).bind(candidate) as ConformanceTransaction) : undefined,
    isolatesTransactions: typeof isolatesTransactions === 'boolean' ? isolatesTransactions : undefined,
    heavyTestTimeoutMs: typeof heavyTestTimeoutMs === 'number' ? heavyTestTimeoutMs : undefined,
  };
}
