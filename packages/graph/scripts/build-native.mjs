// Builds the optional native kernels for the WebAssembly backend into dist/native/*.node (N-API modules: one binary
// serves every Node version) on x86-64 Linux with a C compiler and Node's headers:
// - batch-norm.c: training-mode batch norm, C with OpenMP;
// - loops.c: optimizer updates in place, sums over middle axes and ReluGrad, C with OpenMP (no FMA contraction,
//   sqrtf inline: bit-identical to the JavaScript path's float32 roundings, and vectorized);
// - dnnl-conv.c: 2-D convolutions on oneDNN, when oneDNN is installed (Debian/Ubuntu: libdnnl-dev; scripts/setup.sh
//   installs it where it can).
// They are accelerators only: one that cannot be built is reported with the reason, this exits 0, and those kernels
// run on the wasm backend. TENSORGRAFT_NATIVE=0 skips them all.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const pkg = join(dirname(fileURLToPath(import.meta.url)), '..');
const MODULES = [
  {
    name: 'batch-norm',
    libs: [],
    flags: ['-fopenmp'],
    fallback: 'training batch norm runs on the wasm backend',
  },
  {
    name: 'loops',
    libs: [],
    flags: ['-ffp-contract=off', '-fno-math-errno', '-fopenmp'],
    fallback: 'optimizer updates and middle-axis sums run in JavaScript and on the wasm backend',
  },
  { name: 'dnnl-conv', libs: ['-ldnnl', '-lgomp'], fallback: "convolutions use the wasm backend's kernels" },
];
const outFor = (name) => join(pkg, 'dist', 'native', `${name}.node`);
const skip = (why, modules) => {
  for (const m of modules) {
    rmSync(outFor(m.name), { force: true });
    console.log(`@tensorgraft/graph: native ${m.name} not built (${why}); ${m.fallback}`);
  }
};

function build() {
  if (process.env.TENSORGRAFT_NATIVE === '0') return skip('TENSORGRAFT_NATIVE=0', MODULES);
  if (process.platform !== 'linux' || process.arch !== 'x64')
    return skip(`${process.platform}-${process.arch}`, MODULES);
  // Official Node builds keep the headers beside the binary (<prefix>/include/node); distributions in /usr/include/node.
  const headers = [
    join(dirname(process.execPath), '..', 'include', 'node'),
    '/usr/include/node',
    '/usr/local/include/node',
  ];
  const include = headers.find((d) => existsSync(join(d, 'node_api.h')));
  if (!include) return skip('no node_api.h found', MODULES);
  const oneDnn = ['/usr/include', '/usr/local/include'].some((d) => existsSync(join(d, 'oneapi', 'dnnl', 'dnnl.h')));
  const cc = process.env.CC || 'cc';
  for (const m of MODULES) {
    if (m.name === 'dnnl-conv' && !oneDnn) {
      skip('oneDNN not installed: apt-get install libdnnl-dev', [m]);
      continue;
    }
    const out = outFor(m.name);
    mkdirSync(dirname(out), { recursive: true });
    const args = [
      '-O3',
      '-fPIC',
      '-shared',
      '-Wall',
      '-Wextra',
      ...(m.flags ?? []),
      `-I${include}`,
      join(pkg, 'native', `${m.name}.c`),
    ];
    const r = spawnSync(cc, [...args, '-o', out, ...m.libs], {
      stdio: ['ignore', 'inherit', 'pipe'],
      encoding: 'utf8',
    });
    if (r.error || r.status !== 0) skip(`${cc} failed: ${r.error?.message ?? r.stderr.trim().split('\n')[0]}`, [m]);
    else console.log(`@tensorgraft/graph: built ${out}`);
  }
}
build();
