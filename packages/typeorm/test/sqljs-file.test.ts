/**
 * `atomicSqljsSave`: a save replaces the file whole (a crash mid-save leaves the previous
 * complete file, never a truncated one), and concurrent saves land in call order.
 */
import { mkdir, mkdtemp, open, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { atomicSqljsSave } from '../src/index';

const dirs: string[] = [];
afterEach(async () => {
  for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
});

async function tempFile(): Promise<{ dir: string; location: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'roomlog-sqljs-save-'));
  dirs.push(dir);
  return { dir, location: join(dir, 'chat.sqlite') };
}

const bytes = (text: string) => new TextEncoder().encode(text);

it('never rewrites the file in place: a reader of the old file still sees it whole', async () => {
  const { location } = await tempFile();
  const save = atomicSqljsSave(location);
  await save(bytes('old database, complete'));
  const reader = await open(location, 'r');
  try {
    await save(bytes('new'));
    expect((await reader.readFile()).toString()).toBe('old database, complete');
  } finally {
    await reader.close();
  }
  expect((await readFile(location)).toString()).toBe('new');
});

it('lands concurrent saves in call order and leaves no temporary files', async () => {
  const { dir, location } = await tempFile();
  const save = atomicSqljsSave(location);
  await Promise.all(['first', 'second', 'third'].map((text) => save(bytes(text.repeat(10_000)))));
  expect((await readFile(location)).toString()).toBe('third'.repeat(10_000));
  expect(await readdir(dir)).toEqual(['chat.sqlite']);
});

it('rejects a failed save to its caller and keeps saving afterwards', async () => {
  const { dir } = await tempFile();
  const location = join(dir, 'data', 'chat.sqlite');
  const save = atomicSqljsSave(location);
  await expect(save(bytes('no directory yet'))).rejects.toThrow();
  await mkdir(join(dir, 'data'));
  await save(bytes('after'));
  expect((await readFile(location)).toString()).toBe('after');
});
