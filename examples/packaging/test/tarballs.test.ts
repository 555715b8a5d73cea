/**
 * The packages as a newcomer gets them: each published package is packed with `pnpm pack`
 * (which rewrites `workspace:` ranges), the tarballs are installed with npm into a project
 * outside the workspace, and a CommonJS and an ESM app start a server on @roomlog/core +
 * @roomlog/redis, send through @roomlog/client, restart the server and read history back.
 * A backend author's empty project runs the conformance docs' install line against the tarballs
 * and the `roomlog-conformance` CLI on a passing, a broken and an unloadable store module.
 * It tests what `pnpm build` produced: build first.
 */
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const root = fileURLToPath(new URL('../../../', import.meta.url));
const fixture = fileURLToPath(new URL('../fixture/', import.meta.url));
const backendFixture = fileURLToPath(new URL('../backend/', import.meta.url));
const authorFixture = fileURLToPath(new URL('../author/', import.meta.url));
const PACKAGES = ['core', 'client', 'conformance', 'redis', 'postgres', 'mongo', 'typeorm'];

/** Every file a package's exports map points to (what `pnpm build` must have written). */
function exportedFiles(name: string): string[] {
  const dir = join(root, 'packages', name);
  const { exports } = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { exports: unknown };
  const leaves = (value: unknown): string[] =>
    typeof value === 'string' ? [value] : value && typeof value === 'object' ? Object.values(value).flatMap(leaves) : [];
  return leaves(exports).map((file) => join(dir, file));
}

let workDir: string;
let appDir: string;
let backendDir: string;
let tarballs: string[];

/** The packed tarball of `@roomlog/<name>`. */
function tarballOf(name: string): string {
  const file = tarballs.find((path) => new RegExp(`roomlog-${name}-[^/\\\\]*\\.tgz$`).test(path));
  if (!file) throw new Error(`no @roomlog/${name} tarball among ${tarballs.join(', ')}`);
  return file;
}

/** Runs an app script with node; returns its JSON lines. */
async function runApp(script: string): Promise<Record<string, unknown>[]> {
  const { stdout } = await run(process.execPath, [script], { cwd: appDir, timeout: 45_000 });
  return stdout
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

beforeAll(async () => {
  const unbuilt = PACKAGES.filter((name) => exportedFiles(name).some((file) => !existsSync(file)));
  if (unbuilt.length > 0) {
    throw new Error(`@roomlog/{${unbuilt.join(',')}} not built: run \`pnpm build\` at the repository root first, this test packs dist/`);
  }
  workDir = await mkdtemp(join(tmpdir(), 'roomlog-packaging-'));
  const tarballDir = join(workDir, 'tarballs');
  appDir = join(workDir, 'app');
  await mkdir(appDir, { recursive: true });
  await Promise.all(PACKAGES.map((name) => run('pnpm', ['pack', '--pack-destination', tarballDir], { cwd: join(root, 'packages', name) })));
  tarballs = (await readdir(tarballDir)).map((file) => join(tarballDir, file));
  await writeFile(join(appDir, 'package.json'), JSON.stringify({ name: 'newcomer-app', version: '1.0.0', private: true }));
  for (const file of await readdir(fixture)) await copyFile(join(fixture, file), join(appDir, file));
  // As a newcomer would: npm, the tarballs, the peers the app uses (npm adds the other peers).
  await run('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error', ...tarballs, 'socket.io', 'socket.io-client', 'ioredis'], {
    cwd: appDir,
    timeout: 220_000,
  });
  // A backend author installs @roomlog/core alone: its optional peers (socket.io) stay out.
  backendDir = join(workDir, 'backend');
  await mkdir(backendDir, { recursive: true });
  await writeFile(
    join(backendDir, 'package.json'),
    JSON.stringify({ name: 'custom-backend', version: '1.0.0', private: true, type: 'module' }),
  );
  for (const file of await readdir(backendFixture)) await copyFile(join(backendFixture, file), join(backendDir, file));
  await run('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error', tarballOf('core')], {
    cwd: backendDir,
    timeout: 120_000,
  });
});

afterAll(async () => {
  if (workDir) await rm(workDir, { recursive: true, force: true });
});

describe('the packed packages, installed with npm outside the workspace', () => {
  // The conformance suite ships its sources so that a failing rule's stack frames point at
  // files an author can open; every other package ships its build alone.
  it('hold the build, and sources only for the conformance suite, with every workspace: range rewritten', async () => {
    for (const name of PACKAGES) {
      const dir = join(appDir, 'node_modules', '@roomlog', name);
      const files = await readdir(dir);
      expect(files, name).toContain('dist');
      if (name === 'conformance') expect(await readdir(join(dir, 'src', 'groups')), name).toContain('errors.ts');
      else expect(files, name).not.toContain('src');
      const manifest = await readFile(join(dir, 'package.json'), 'utf8');
      expect(manifest, name).not.toContain('workspace:');
    }
  });

  // A CommonJS app cannot load @roomlog/conformance: it runs inside vitest, which refuses require().
  const apps = [
    {
      title: 'a CommonJS app loads the packages through require',
      script: 'script.cjs',
      file: /dist[\\/]index\.cjs$/,
      names: PACKAGES.filter((name) => name !== 'conformance'),
    },
    { title: 'an ESM app loads the packages through import', script: 'script.mjs', file: /dist\/index\.js$/, names: PACKAGES },
  ];
  for (const { title, script, file, names } of apps)
    it(`${title}, and keeps history across a server restart`, async () => {
      const [loaded, outcome] = await runApp(script);
      const packages = loaded!.packages as Record<string, { file: string; exports: number }>;
      expect(Object.keys(packages)).toEqual(names);
      for (const [name, entry] of Object.entries(packages)) {
        expect(entry.file, name).toMatch(file);
        expect(entry.exports, name).toBeGreaterThan(0);
      }
      expect(outcome).toEqual({
        received: ['1:one', '2:two', '3:three'],
        history: ['1:one', '2:two', '3:three'],
        epochKept: true,
        errorCode: 'INVALID_ARGUMENT',
        clientError: true,
      });
    });
});

describe('a custom backend on @roomlog/core alone', () => {
  it('installs without socket.io, type-checks with skipLibCheck off, and runs a store on the kit', async () => {
    expect(existsSync(join(backendDir, 'node_modules', 'socket.io'))).toBe(false);
    const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
    // @types/node from the workspace: core's types name Buffer, as any Node backend's do.
    await run(process.execPath, [tsc, '-p', 'tsconfig.json', '--typeRoots', join(root, 'node_modules', '@types')], {
      cwd: backendDir,
      timeout: 110_000,
    });
    const { stdout } = await run(process.execPath, ['run.mjs'], { cwd: backendDir, timeout: 30_000 });
    expect(JSON.parse(stdout)).toEqual({
      page: { messages: [], head: null, hasMore: false, truncated: false },
      closed: 'CLOSED',
      capabilities: {
        editDelete: false,
        retention: false,
        cursors: false,
        erase: false,
        transactions: false,
        import: false,
        streams: false,
        cursorList: false,
      },
    });
    // tsc over core's declarations takes most of a minute on a loaded 2-core machine.
  }, 120_000);
});

/** The `npm install` line a document gives for the conformance suite. */
function documentedInstallLine(file: string): string {
  const line = readFileSync(join(root, file), 'utf8')
    .split('\n')
    .find((text) => text.startsWith('npm install') && text.includes('@roomlog/conformance'));
  if (!line) throw new Error(`${file} gives no npm install line for @roomlog/conformance`);
  return line.trim();
}

/** Runs the packed conformance CLI in `cwd`; resolves to its exit code and output, never rejects. */
async function conformanceCli(cwd: string, args: readonly string[]): Promise<{ code: number; output: string }> {
  const cli = join(cwd, 'node_modules', '.bin', 'roomlog-conformance');
  try {
    const { stdout, stderr } = await run(cli, [...args], { cwd, timeout: 200_000, env: { ...process.env, NO_COLOR: '1' } });
    return { code: 0, output: `${stdout}${stderr}` };
  } catch (error) {
    const failed = error as { code?: unknown; stdout?: string; stderr?: string };
    if (typeof failed.code !== 'number') throw error;
    return { code: failed.code, output: `${failed.stdout ?? ''}${failed.stderr ?? ''}` };
  }
}

describe('a backend author following the conformance docs in an empty project', () => {
  let authorDir: string;

  beforeAll(async () => {
    // The line both documents give, run as written, with the local tarballs for the two
    // @roomlog packages and the workspace's vitest version (so the run does not drift).
    const line = documentedInstallLine('packages/conformance/README.md');
    expect(documentedInstallLine('docs/custom-backend.md')).toBe(line);
    const [npm, install, ...args] = line.split(/\s+/);
    expect([npm, install]).toEqual(['npm', 'install']);
    const vitestVersion = (JSON.parse(readFileSync(join(root, 'node_modules', 'vitest', 'package.json'), 'utf8')) as { version: string })
      .version;
    const resolved = args.map((arg) => {
      if (arg.startsWith('@roomlog/')) return tarballOf(arg.slice('@roomlog/'.length));
      return arg === 'vitest' ? `vitest@${vitestVersion}` : arg;
    });
    authorDir = join(workDir, 'author');
    await mkdir(authorDir, { recursive: true });
    await writeFile(join(authorDir, 'package.json'), JSON.stringify({ name: 'my-store', version: '1.0.0', private: true, type: 'module' }));
    for (const file of await readdir(authorFixture)) await copyFile(join(authorFixture, file), join(authorDir, file));
    await run('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error', ...resolved], {
      cwd: authorDir,
      timeout: 220_000,
    });
  });

  it('runs the whole suite on a correct TypeScript store module: exit 0, PASS', async () => {
    const { code, output } = await conformanceCli(authorDir, ['./good-store.ts']);
    const passed = /PASS packed-memory: (\d+) passed, 0 failed/.exec(output);
    expect(passed, output).not.toBeNull();
    // Every group ran (only the inspect-based checks are skipped): not a run that found no tests.
    expect(Number(passed![1])).toBeGreaterThan(200);
    expect(code, output).toBe(0);
  }, 240_000);

  it('fails a store that breaks a rule: exit 1, the rule named', async () => {
    const { code, output } = await conformanceCli(authorDir, ['./broken-store.mjs', '--group', 'read']);
    expect(output).toMatch(/FAIL [^\n]*rules failed: [^\n]*\b5\b/);
    expect(code, output).toBe(1);
  }, 120_000);

  it('answers a module that cannot be loaded with exit 2', async () => {
    const { code, output } = await conformanceCli(authorDir, ['./unloadable-store.mjs']);
    expect(output).toContain('the database URL is not set');
    expect(code, output).toBe(2);
  }, 120_000);
});
