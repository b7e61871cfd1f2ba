// Builds native/crc32c.c into dist/native/crc32c.node (an N-API module: one binary serves every Node version) when
// this is x86-64 Linux with a C compiler and Node's headers. It is an accelerator only: when it cannot be built, this
// prints why and exits 0, and crc32c.ts uses @node-rs/crc32 or JavaScript instead. TENSORGRAFT_NATIVE=0 skips it.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const pkg = join(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(pkg, 'dist', 'native', 'crc32c.node');
const skip = (why) => {
  rmSync(out, { force: true });
  console.log(`@tensorgraft/proto: native crc32c not built (${why}); @node-rs/crc32 or JavaScript will be used`);
  process.exit(0);
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
mkdirSync(dirname(out), { recursive: true });
const args = [
  '-O2',
  '-fPIC',
  '-shared',
  '-Wall',
  '-Wextra',
  `-I${include}`,
  join(pkg, 'native', 'crc32c.c'),
  '-o',
  out,
];
const r = spawnSync(cc, args, { stdio: ['ignore', 'inherit', 'pipe'], encoding: 'utf8' });
if (r.error || r.status !== 0) skip(`${cc} failed: ${r.error?.message ?? r.stderr.trim().split('\n')[0]}`);
console.log(`@tensorgraft/proto: built ${out}`);
