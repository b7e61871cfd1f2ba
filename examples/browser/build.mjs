#!/usr/bin/env node
// Bundles the pages' scripts for the browser: node examples/browser/build.mjs [outdir] (default examples/browser/dist),
// then serve outdir (index.html + main.js: reading a checkpoint; write.html + write.js: writing checkpoints) and the
// checkpoint from any static server with Range support.
import { copyFileSync, mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const here = dirname(fileURLToPath(import.meta.url));
const outdir = resolve(process.argv[2] ?? join(here, 'dist'));
mkdirSync(outdir, { recursive: true });
await build({
  entryPoints: [join(here, 'main.ts'), join(here, 'write.ts')],
  outdir,
  bundle: true,
  platform: 'browser',
  format: 'esm',
  target: 'es2022',
  minify: true,
  logLevel: 'warning',
});
for (const page of ['index.html', 'write.html']) copyFileSync(join(here, page), join(outdir, page));
console.log(outdir);
