/** The names of the suite's groups, in rule order; free of vitest so the CLI can use them. */

/** Every group name, as the CLI's `--group` takes it. */
export const CONFORMANCE_GROUP_NAMES = [
  'validation',
  'sequence',
  'append',
  'idempotency',
  'read',
  'head',
  'edit-delete',
  'retention',
  'cursors',
  'erase',
  'fidelity',
  'errors',
  'read-your-writes',
  'concurrency',
  'transactions',
  'import',
  'streams',
  'health',
  'namespaces',
  'instances',
  'side-effects',
  'ownership',
  'model',
] as const;

/** Name of one group of the suite, e.g. `'read'` or `'edit-delete'`. */
export type ConformanceGroupName = (typeof CONFORMANCE_GROUP_NAMES)[number];

/** True when `value` names a group. */
export function isGroupName(value: string): value is ConformanceGroupName {
  return (CONFORMANCE_GROUP_NAMES as readonly string[]).includes(value);
}
