/**
 * What every test group uses: stores that are closed after each test, fresh random streams,
 * message builders and a manual clock.
 */
import { randomUUID } from 'node:crypto';
import type { MessageStore, NewMessage, StoreCapabilities, StreamRef } from '@roomlog/core';
import { afterEach, describe, it } from 'vitest';
import { resolveCapabilities } from './capabilities';
import type { ConformanceOptions, ConformanceStoreOptions } from './options';

/** Per-group helpers handed to each group's test definitions. */
export interface Harness {
  /** The options the suite was started with. */
  readonly options: ConformanceOptions;
  /** Timeout of the heavy tests: `options.heavyTestTimeoutMs`, 60 s by default. */
  readonly heavyTimeout: number;
  /** A heavy test's size `n` scaled by `options.heavyTestScale` (at least a tenth of `n`). */
  heavySize(n: number): number;
  /** The capabilities under test (see `resolveCapabilities`). */
  readonly capabilities: StoreCapabilities;
  /**
   * Creates a store instance (one "node"); all instances share the backend's database.
   * Closed automatically after the test.
   */
  open(storeOptions?: ConformanceStoreOptions): Promise<MessageStore>;
  /** Opens `count` instances with the same options. */
  openMany(count: number, storeOptions?: ConformanceStoreOptions): Promise<MessageStore[]>;
  /**
   * `it` for a test that needs `condition`: when it is false the test is reported as skipped
   * with `reason` (the CLI lists skipped checks with their reasons).
   */
  onlyIf(condition: boolean, reason: string): ConditionalTest;
  /** {@link Harness.onlyIf} for a test that needs a capability. */
  needs(...capabilities: (keyof StoreCapabilities)[]): ConditionalTest;
  /** {@link Harness.onlyIf} for a test that reads the database directly through `options.inspect`. */
  readonly withInspector: ConditionalTest;
}

/** Registers one test that may be skipped with a reason (see {@link Harness.onlyIf}). */
export type ConditionalTest = (title: string, body: () => Promise<void>, timeout?: number) => void;

/** The skip note a test without the `inspect` option carries. */
export const NO_INSPECT_REASON = 'needs the inspect option (direct reads of what the database holds)';

/** The skip note of a test that needs `capability`. */
export function capabilityReason(capability: string): string {
  return `needs capability ${capability}`;
}

/** A random id, unique per call, short enough for any backend's key limits. */
export function uniqueId(prefix: string): string {
  return `${prefix}-${randomUUID().slice(0, 13)}`;
}

/** A stream no other test uses: random namespace and room. */
export function freshStream(room = uniqueId('room')): StreamRef {
  return { namespace: `/${uniqueId('conformance')}`, room };
}

/** A message for `stream` with event `'chat'` and the given data and fields. */
export function message(stream: StreamRef, data: unknown = null, fields: Partial<NewMessage> = {}): NewMessage {
  return { namespace: stream.namespace, room: stream.room, event: 'chat', data, ...fields };
}

/** `count` messages for `stream` whose data is `{ n }` with `n` counting from `from`. */
export function messages(stream: StreamRef, count: number, from = 1, fields: Partial<NewMessage> = {}): NewMessage[] {
  return Array.from({ length: count }, (_, i) => message(stream, { n: from + i }, fields));
}

/** Appends `count` messages in batches of at most `batchSize`, one batch after another. */
export async function fill(store: MessageStore, stream: StreamRef, count: number, batchSize = 100): Promise<void> {
  for (let from = 1; from <= count; from += batchSize) {
    await store.append(messages(stream, Math.min(batchSize, count - from + 1), from));
  }
}

function createHarness(options: ConformanceOptions, capabilities: StoreCapabilities): Harness {
  const opened: MessageStore[] = [];
  afterEach(async () => {
    const stores = opened.splice(0);
    await Promise.all(stores.map((store) => store.close()));
  });
  const open = async (storeOptions: ConformanceStoreOptions = {}) => {
    const store = await options.create(storeOptions);
    opened.push(store);
    return store;
  };
  const onlyIf =
    (condition: boolean, reason: string): ConditionalTest =>
    (title, body, timeout) => {
      it(
        title,
        async (context) => {
          // Skipped from inside, so the reason reaches the report as the test's skip note.
          if (!condition) context.skip(reason);
          await body();
        },
        timeout,
      );
    };
  return {
    options,
    capabilities,
    heavyTimeout: options.heavyTestTimeoutMs ?? 60_000,
    heavySize: (n) => Math.round(n * Math.min(1, Math.max(0.1, options.heavyTestScale ?? 1))),
    open,
    openMany: (count, storeOptions) => Promise.all(Array.from({ length: count }, () => open(storeOptions))),
    onlyIf,
    needs: (...required) => {
      const missing = required.filter((capability) => !capabilities[capability]);
      return onlyIf(missing.length === 0, missing.map(capabilityReason).join(', '));
    },
    withInspector: onlyIf(options.inspect !== undefined, NO_INSPECT_REASON),
  };
}

/** A test group: registers its `describe` block for the store described by `options`. */
export type ConformanceGroup = (options: ConformanceOptions) => void;

/**
 * Defines a test group. Its `describe` reads the store's capabilities while collecting; a
 * group that needs a capability the store lacks is registered as skipped, so reports show it.
 *
 * @param title - the describe title, naming the rule, e.g. `'rule 5: read'`.
 * @param requires - capability the whole group needs, or `null` for a required rule.
 * @param register - defines the tests (`it`/`it.skipIf`) with the group's harness.
 */
export function defineGroup(
  title: string,
  requires: keyof StoreCapabilities | null,
  register: (harness: Harness) => void,
): ConformanceGroup {
  return (options) => {
    describe(title, async () => {
      const capabilities = await resolveCapabilities(options);
      const harness = createHarness(options, capabilities);
      if (requires === null) register(harness);
      else describe.skipIf(!capabilities[requires])(capabilityReason(requires), () => register(harness));
    });
  };
}
