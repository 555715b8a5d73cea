/**
 * The conformance suite against a kit store that looks up a batch's idempotency keys once,
 * before writing (mutation/batch-lookup-store.ts), as `pnpm mutation` runs it for every mutant:
 * it holds `prepareBatch`'s in-batch duplicate collapse, which `MemoryStore` does not need.
 * The same groups as memory.mutation.test.ts; those its capabilities lack are skipped.
 */
import { CONFORMANCE_GROUP_NAMES, runConformanceSuite } from '@roomlog/conformance';
import { TinyDatabase } from '../packages/conformance/test/fixtures/kit-store';
import { createBatchLookupStore } from './batch-lookup-store';

const database = new TinyDatabase();

runConformanceSuite(
  { name: 'batch-lookup', create: (options) => createBatchLookupStore(database, options) },
  { groups: CONFORMANCE_GROUP_NAMES.filter((group) => group !== 'model' && group !== 'concurrency') },
);
