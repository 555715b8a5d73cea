/**
 * The page's files. `public/app.js` imports `@roomlog/client` and `socket.io-client` like any
 * app would; esbuild bundles it once at startup (about a tenth of a second), so the demo needs
 * no build step and serves the client from the workspace sources as they are.
 */
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

/** A file the server answers with. */
export interface Asset {
  type: string;
  body: string;
}

const publicDir = new URL('../public/', import.meta.url);

async function bundleApp(): Promise<string> {
  const result = await build({
    entryPoints: [fileURLToPath(new URL('app.js', publicDir))],
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    write: false,
    // The tsconfig's `paths` point `@roomlog/*` at the workspace sources.
    tsconfig: fileURLToPath(new URL('../tsconfig.json', import.meta.url)),
    logLevel: 'silent',
  });
  return result.outputFiles[0]!.text;
}

/** Loads the page, its stylesheet and the bundled script, keyed by URL path. */
export async function loadAssets(): Promise<Map<string, Asset>> {
  const [html, css, js] = await Promise.all([
    readFile(new URL('index.html', publicDir), 'utf8'),
    readFile(new URL('style.css', publicDir), 'utf8'),
    bundleApp(),
  ]);
  return new Map([
    ['/', { type: 'text/html; charset=utf-8', body: html }],
    ['/style.css', { type: 'text/css; charset=utf-8', body: css }],
    ['/app.js', { type: 'text/javascript; charset=utf-8', body: js }],
  ]);
}
