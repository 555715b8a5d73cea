/**
 * Model-based testing: fast-check generates sequences of operations (see `model/operations.ts`)
 * across {@link MODEL_INSTANCES} instances of the store under test, and each answer is compared
 * with MemoryStore's, the reference, step by step. A failure is shrunk to a shortest sequence
 * and printed as the calls to replay, with the seed to run exactly it again.
 */
import { MemoryDatabase, MemoryStore, type MessageStore } from '@roomlog/core';
import fc from 'fast-check';
import { it } from 'vitest';
import { manualClock } from '../clock';
import { defineGroup, freshStream, uniqueId } from '../harness';
import { type ModelWorld, stepArbitraries } from '../model/operations';
import type { ConformanceStoreOptions } from '../options';

/** Instances of the store under test each sequence runs on (nodes sharing one database). */
export const MODEL_INSTANCES = 3;
/** Sequences run by default: enough to catch a broken rule in CI, bounded in time. */
export const DEFAULT_MODEL_RUNS = 30;
/** Most steps in one sequence. */
const MAX_STEPS = 40;

/** Store options a sequence runs with: retention settings drawn at random when the store has them. */
function optionsArbitrary(retention: boolean): fc.Arbitrary<ConformanceStoreOptions> {
  if (!retention) return fc.constant({});
  return fc.record(
    {
      maxCount: fc.option(fc.integer({ min: 1, max: 6 }), { nil: undefined }),
      maxAgeMs: fc.option(fc.integer({ min: 100, max: 1000 }), { nil: undefined }),
    },
    { requiredKeys: [] },
  );
}

/** Model-based group (`model`). */
export const modelTests = defineGroup('model: random operation sequences agree with MemoryStore', null, (h) => {
  const runs = h.options.modelRuns ?? DEFAULT_MODEL_RUNS;
  const steps = stepArbitraries(h.capabilities, { streams: 3, users: 2, instances: MODEL_INSTANCES });

  it(
    `model: ${runs} random sequences of up to ${MAX_STEPS} steps on ${MODEL_INSTANCES} instances answer exactly as MemoryStore does`,
    async () => {
      await fc.assert(
        fc.asyncProperty(
          optionsArbitrary(h.capabilities.retention),
          fc.commands(steps, { maxCommands: MAX_STEPS, size: 'max' }),
          async (storeOptions, commands) => {
            const clock = manualClock();
            const options = { ...storeOptions, now: clock.now };
            const instances: MessageStore[] = [];
            const reference = new MemoryStore({ ...options, database: new MemoryDatabase() });
            try {
              for (let i = 0; i < MODEL_INSTANCES; i++) instances.push(await h.options.create(options));
              // Streams 0 and 1 share a room name in two namespaces; stream 2 shares stream 0's namespace.
              const room = uniqueId('room');
              const first = freshStream(room);
              const world: ModelWorld = {
                reference,
                instances,
                clock,
                streams: [first, freshStream(room), { namespace: first.namespace, room: `${room}:2` }],
                users: [uniqueId('user'), uniqueId('user')],
              };
              await fc.asyncModelRun(() => ({ model: world, real: instances }), commands);
            } finally {
              await Promise.allSettled([reference.close(), ...instances.map((store) => store.close())]);
            }
          },
        ),
        {
          numRuns: runs,
          ...(h.options.modelSeed === undefined ? {} : { seed: h.options.modelSeed }),
          // The store options and the shrunk steps, one per line, then fast-check's seed and path.
          reporter: (details) => {
            if (!details.failed) return;
            const [storeOptions, commands] = details.counterexample ?? [];
            throw new Error(
              [
                `model: a sequence answered differently from MemoryStore (seed ${details.seed}, path "${details.counterexamplePath}"; ` +
                  `replay with the modelSeed option or --model-seed).`,
                `store options: ${JSON.stringify(storeOptions)}`,
                'steps (streams 0 and 1 share a room name in two namespaces):',
                ...String(commands ?? '')
                  .replace(/\s*\/\*replayPath=.*?\*\//g, '')
                  .split(/,(?=instance \d|clock)/)
                  .map((line, i) => `  ${i + 1}. ${line.trim()}`),
                `first failure: ${details.errorInstance instanceof Error ? details.errorInstance.message : String(details.errorInstance)}`,
              ].join('\n'),
            );
          },
        },
      );
    },
    Math.max(h.heavyTimeout, runs * 2_000),
  );
});
