#!/usr/bin/env node
// Bundles each browser entry point with esbuild for platform=browser and fails if any Node built-in is reached
// (a `node:` import, or a bare `fs`, `path`, ... that a bundler would have to polyfill). Run by the packages' tests
// (test/browser-bundle.test.ts) and by hand: node scripts/check-browser-bundles.mjs [entry.js ...]
import { builtinModules } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');

/** The browser entry points (built files; run `pnpm build` first). */
export const BROWSER_ENTRIES = [
  'packages/proto/dist/lite.js',
  'packages/bundle-io/dist/browser.js',
  'packages/events-writer/dist/browser.js',
  'packages/saver/dist/browser.js',
];

const BUILTINS = new Set(builtinModules.flatMap((m) => [m, `node:${m}`]));

/**
 * Bundles `entry` (a path under the repo) for the browser. Returns the bundle's size and the Node built-ins it
 * reached, each with the file that imports it (empty when the entry is browser-safe).
 */
export async function checkBrowserBundle(entry) {
  const reached = [];
  const result = await build({
    entryPoints: [join(ROOT, entry)],
    bundle: true,
    platform: 'browser',
    format: 'esm',
    write: false,
    metafile: true,
    logLevel: 'silent',
    plugins: [
      {
        name: 'no-node-builtins',
        setup(b) {
          b.onResolve({ filter: /.*/ }, (args) => {
            if (!BUILTINS.has(args.path)) return undefined;
            reached.push(`${args.path} (imported by ${relative(ROOT, args.importer)})`);
            return { path: args.path, external: true };
          });
        },
      },
    ],
  });
  return { entry, bytes: result.outputFiles[0].contents.length, reached };
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  const entries = process.argv.length > 2 ? process.argv.slice(2) : BROWSER_ENTRIES;
  let failed = false;
  for (const entry of entries) {
    try {
      const { bytes, reached } = await checkBrowserBundle(entry);
      if (reached.length) {
        failed = true;
        console.error(`${entry}: reaches Node built-ins:\n  ${reached.join('\n  ')}`);
      } else console.log(`${entry}: browser-safe (${(bytes / 1024).toFixed(0)} KiB bundled)`);
    } catch (err) {
      failed = true;
      console.error(`${entry}: does not bundle for the browser: ${err.message}`);
    }
  }
  process.exit(failed ? 1 : 0);
}
