/**
 * `runEndToEndSuite`: real Socket.IO servers and `@roomlog/client` clients on loopback, over
 * the backend under test. Each scenario asserts exactly what every client was delivered, in order.
 */
import { afterAll, afterEach, describe } from 'vitest';
import { authorizationScenarios } from './authorization';
import { changeScenarios } from './changes';
import { clusterScenarios } from './cluster';
import { deliveryScenarios } from './delivery';
import { faultScenarios } from './faults';
import { EndToEndHarness } from './harness';
import { healingScenarios } from './healing';
import type { EndToEndOptions } from './options';
import { recoveryScenarios } from './recovery';

/** Registers the end-to-end suite as `describe('roomlog end-to-end: <name>')`. */
export function runEndToEndSuite(options: EndToEndOptions): void {
  describe(`roomlog end-to-end: ${options.name}`, () => {
    const harness = new EndToEndHarness(options);
    afterEach(() => harness.closeAll());
    afterAll(async () => {
      await options.cleanup?.();
    });
    describe('delivery', () => deliveryScenarios(harness));
    describe('recovery', () => recoveryScenarios(harness));
    describe('several nodes', () => clusterScenarios(harness));
    describe('authorization', () => authorizationScenarios(harness));
    describe('edits and deletes', () => changeScenarios(harness));
    describe('healing', () => healingScenarios(harness));
    describe('faults', () => faultScenarios(harness));
  });
}
