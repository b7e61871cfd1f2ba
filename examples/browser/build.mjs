#!/usr/bin/env node
// Bundles the page's script for the browser: node examples/browser/build.mjs [outdir] (default examples/browser/dist),
// then serve outdir (index.html + main.js) and the checkpoint from any static server with Range support.
import { copyFileSync, mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const here = dirname(fileURLToPath(import.meta.url));
const outdir = resolve(process.argv[2] ?? join(here, 'dist'));
mkdirSync(outdir, { recursive: true });
await build({
  entryPoints: [join(here, 'main.ts')],
  outfile: join(outdir, 'main.js'),
  bundle: true,
  platform: 'browser',
  format: 'esm',
  target: 'es2022',
  minify: true,
  logLevel: 'warning',
});
copyFileSync(join(here, 'index.html'), join(outdir, 'index.html'));
console.log(outdir);
