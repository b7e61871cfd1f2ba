// Builds native/crc32c.c and native/large-buffers.c into dist/native/*.node (N-API modules: one binary serves every
// Node version) when this is x86-64 Linux with a C compiler and Node's headers. They are accelerators only: when one
// cannot be built, this prints why and exits 0, and crc32c.ts uses @node-rs/crc32 or JavaScript instead,
// large-buffers.ts plain ArrayBuffers. TENSORGRAFT_NATIVE=0 skips both.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const pkg = join(dirname(fileURLToPath(import.meta.url)), '..');
const MODULES = [
  ['crc32c', '@node-rs/crc32 or JavaScript will be used'],
  ['large-buffers', 'large tensors will use plain ArrayBuffers'],
];
const outFor = (name) => join(pkg, 'dist', 'native', `${name}.node`);
const skip = (why, modules = MODULES) => {
  for (const [name, fallback] of modules) {
    rmSync(outFor(name), { force: true });
    console.log(`@tensorgraft/proto: native ${name} not built (${why}); ${fallback}`);
  }
  if (modules === MODULES) process.exit(0);
};

if (process.env.TENSORGRAFT_NATIVE === '0') skip('TENSORGRAFT_NATIVE=0');
if (process.platform !== 'linux' || process.arch !== 'x64') skip(`${process.platform}-${process.arch}`);
// Official Node builds keep the headers beside the binary (<prefix>/include/node); distributions in /usr/include/node.
const headers = [
  join(dirname(process.execPath), '..', 'include', 'node'),
  '/usr/include/node',
  '/usr/local/include/node',
];
const include = headers.find((d) => existsSync(join(d, 'node_api.h')));
if (!include) skip('no node_api.h found');
const cc = process.env.CC || 'cc';
for (const module of MODULES) {
  const out = outFor(module[0]);
  mkdirSync(dirname(out), { recursive: true });
  const args = ['-O2', '-fPIC', '-shared', '-Wall', '-Wextra', `-I${include}`, join(pkg, 'native', `${module[0]}.c`)];
  const r = spawnSync(cc, [...args, '-o', out], { stdio: ['ignore', 'inherit', 'pipe'], encoding: 'utf8' });
  if (r.error || r.status !== 0) {
    skip(`${cc} failed: ${r.error?.message ?? r.stderr.trim().split('\n')[0]}`, [module]);
  } else console.log(`@tensorgraft/proto: built ${out}`);
}
