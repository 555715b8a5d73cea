/** `runConformanceSuite`: every group, under one `describe` named for the store. */
import { afterAll, describe } from 'vitest';
import { CONFORMANCE_GROUP_NAMES, type ConformanceGroupName } from './group-names';
import type { ConformanceGroup } from './harness';
import { appendTests } from './groups/append';
import { concurrencyTests } from './groups/concurrency';
import { cursorTests } from './groups/cursors';
import { editDeleteTests } from './groups/edit-delete';
import { eraseTests } from './groups/erase';
import { errorTests } from './groups/errors';
import { fidelityTests } from './groups/fidelity';
import { headTests } from './groups/head';
import { healthTests } from './groups/health';
import { importTests } from './groups/import';
import { streamTests } from './groups/streams';
import { idempotencyTests } from './groups/idempotency';
import { instanceTests } from './groups/instances';
import { modelTests } from './groups/model';
import { namespaceTests } from './groups/namespaces';
import { ownershipTests } from './groups/ownership';
import { readTests } from './groups/read';
import { readYourWritesTests } from './groups/read-your-writes';
import { retentionTests } from './groups/retention';
import { sequenceTests } from './groups/sequence';
import { sideEffectTests } from './groups/side-effects';
import { transactionTests } from './groups/transactions';
import { validationTests } from './groups/validation';
import type { ConformanceOptions } from './options';

/** Every group by name (see {@link CONFORMANCE_GROUP_NAMES}). */
export const CONFORMANCE_GROUPS: Readonly<Record<ConformanceGroupName, ConformanceGroup>> = {
  validation: validationTests,
  sequence: sequenceTests,
  append: appendTests,
  idempotency: idempotencyTests,
  read: readTests,
  head: headTests,
  'edit-delete': editDeleteTests,
  retention: retentionTests,
  cursors: cursorTests,
  erase: eraseTests,
  fidelity: fidelityTests,
  errors: errorTests,
  'read-your-writes': readYourWritesTests,
  concurrency: concurrencyTests,
  transactions: transactionTests,
  import: importTests,
  streams: streamTests,
  health: healthTests,
  namespaces: namespaceTests,
  instances: instanceTests,
  'side-effects': sideEffectTests,
  ownership: ownershipTests,
  model: modelTests,
};

/** Which part of the suite to run. */
export interface ConformanceSelection {
  /** Run only these groups. @default every group */
  groups?: readonly ConformanceGroupName[] | undefined;
}

/**
 * Registers the conformance suite with vitest as `describe(options.name, …)`.
 * Call it at the top level of a test file. Optional groups (edits/deletes, retention, cursors,
 * erase, transactions) run when the store declares the capability and are reported as
 * skipped otherwise; the transaction group also needs `options.transaction`.
 * Every store the suite creates is closed after its test; `options.cleanup` runs after all.
 *
 * @param options - how to create the store under test.
 * @param selection - restrict the run to some groups (default: all).
 *
 * @example
 * ```ts
 * import { runConformanceSuite } from '@roomlog/conformance';
 * runConformanceSuite({ name: 'my-store', create: (options) => new MyStore(db, options) });
 * ```
 */
export function runConformanceSuite(options: ConformanceOptions, selection: ConformanceSelection = {}): void {
  const names = selection.groups ?? CONFORMANCE_GROUP_NAMES;
  describe(options.name, () => {
    afterAll(async () => {
      await options.cleanup?.();
    });
    for (const name of names) CONFORMANCE_GROUPS[name](options);
  });
}
