// Builds native/dnnl-conv.c into dist/native/dnnl-conv.node (an N-API module: one binary serves every Node version)
// when this is x86-64 Linux with a C compiler, Node's headers and oneDNN (Debian/Ubuntu: libdnnl-dev; scripts/setup.sh
// installs it where it can). It is an accelerator only: when it cannot be built, this prints why and exits 0, and
// convolutions run on the WebAssembly backend's own kernels. TENSORGRAFT_NATIVE=0 skips it.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const pkg = join(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(pkg, 'dist', 'native', 'dnnl-conv.node');
const skip = (why) => {
  rmSync(out, { force: true });
  console.log(`@tensorgraft/graph: native dnnl-conv not built (${why}); convolutions use the wasm backend's kernels`);
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
if (!['/usr/include', '/usr/local/include'].some((d) => existsSync(join(d, 'oneapi', 'dnnl', 'dnnl.h'))))
  skip('oneDNN not installed: apt-get install libdnnl-dev');
const cc = process.env.CC || 'cc';
mkdirSync(dirname(out), { recursive: true });
const args = ['-O2', '-fPIC', '-shared', '-Wall', '-Wextra', `-I${include}`, join(pkg, 'native', 'dnnl-conv.c')];
const r = spawnSync(cc, [...args, '-o', out, '-ldnnl', '-lgomp'], {
  stdio: ['ignore', 'inherit', 'pipe'],
  encoding: 'utf8',
});
if (r.error || r.status !== 0) skip(`${cc} failed: ${r.error?.message ?? r.stderr.trim().split('\n')[0]}`);
console.log(`@tensorgraft/graph: built ${out}`);
