/**
 * The CLI as a newcomer meets it: a store factory module in a project outside this repository,
 * with @roomlog/core installed, checked by `roomlog-conformance ./my-store.ts`.
 */
import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from './cli-process';

const coreDir = fileURLToPath(new URL('../../core', import.meta.url));
const exampleStore = fileURLToPath(new URL('./fixtures/custom-store.ts', import.meta.url));

describe('roomlog-conformance CLI', () => {
  let project = '';

  beforeAll(async () => {
    project = await mkdtemp(join(tmpdir(), 'roomlog-newcomer-'));
    // What `npm install @roomlog/core` leaves behind (the built package).
    await mkdir(join(project, 'node_modules', '@roomlog'), { recursive: true });
    await symlink(coreDir, join(project, 'node_modules', '@roomlog', 'core'), 'dir');
    const source = await readFile(exampleStore, 'utf8');
    await writeFile(join(project, 'my-store.ts'), source);
    // The same store with a classic paging bug: backward pages come out newest first.
    const buggy = source.replace('inRange.slice(-limit)', 'inRange.slice(-limit).reverse()');
    expect(buggy).not.toBe(source);
    await writeFile(join(project, 'my-buggy-store.ts'), buggy);
    await writeFile(join(project, 'no-create.mjs'), 'export const name = "nothing";\n');
    await writeFile(join(project, 'throws.mjs'), 'throw new Error("the database URL is not set");\n');
  });

  afterAll(async () => {
    await rm(project, { recursive: true, force: true });
  });

  it('passes a correct TypeScript store factory and exits 0, saying what it skipped and why', async () => {
    const run = await runCli([join(project, 'my-store.ts')]);
    expect(run.code, run.stdout + run.stderr).toBe(0);
    const summary = /PASS tiny: \d+ passed, 0 failed, (\d+) skipped/.exec(run.stdout);
    expect(summary, run.stdout).not.toBeNull();
    // The example store has no optional capability and no inspect hook: each reason is listed.
    expect(run.stdout).toMatch(/- skipped \d+: needs capability editDelete/);
    expect(run.stdout).toMatch(/- skipped \d+: needs the inspect option/);
    const listed = [...run.stdout.matchAll(/- skipped (\d+): /g)].reduce((sum, match) => sum + Number(match[1]), 0);
    expect(listed, 'the skip reasons account for every skipped test').toBe(Number(summary![1]));
  }, 120_000);

  it('fails a buggy store with exit code 1 and names the broken rule', async () => {
    const run = await runCli([join(project, 'my-buggy-store.ts'), '--group', 'read']);
    expect(run.code, run.stdout + run.stderr).toBe(1);
    expect(run.stdout).toContain('✗ rule 5');
    expect(run.stdout).toMatch(/FAIL tiny: \d+ passed, [1-9]\d* failed, \d+ skipped \(rules failed: 5\)/);
    // What to fix: the expected/actual diff and where the check is, in the sources the package ships.
    expect(run.stdout).toContain('- Expected');
    expect(run.stdout).toContain('+ Received');
    expect(run.stdout).toMatch(/at src\/groups\/read\.ts:\d+:\d+/);
    // Not a terminal: no colour codes anywhere.
    expect(run.stdout + run.stderr).not.toContain('\u001b[');
  }, 60_000);

  it('exits 2 for a module without create() or one that throws while loading, saying why', async () => {
    const run = await runCli([join(project, 'no-create.mjs'), '--group', 'head']);
    expect(run.code, run.stdout + run.stderr).toBe(2);
    expect(run.stdout).toContain('cannot load the store factory module');
    expect(run.stdout).toContain('must export `create(options)`');
    const throws = await runCli([join(project, 'throws.mjs'), '--group', 'head']);
    expect(throws.code, throws.stdout + throws.stderr).toBe(2);
    expect(throws.stdout).toContain('the database URL is not set');
  }, 60_000);

  it('refuses a missing module, an unknown group and no arguments with exit code 2', async () => {
    const missing = await runCli([join(project, 'nope.ts')]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('store factory module not found');
    const group = await runCli([join(project, 'my-store.ts'), '--group', 'everything']);
    expect(group.code).toBe(2);
    expect(group.stderr).toContain('unknown group: everything');
    const none = await runCli([]);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('usage: roomlog-conformance');
    const runs = await runCli([join(project, 'my-store.ts'), '--model-runs', 'lots']);
    expect(runs.code).toBe(2);
    expect(runs.stderr).toContain('--model-runs must be an integer');
  }, 60_000);
});
