// A program that imports @tensorgraft/graph keeps behaving as it did: after Session.run its tf.getBackend() is what
// it chose, and an uncaught error in its own code prints its own stack and exits 1 as Node does (the WebAssembly
// backend's Emscripten module would otherwise turn it into exit 7 and 39 KB of minified source). Each case runs in a
// fresh Node process, as a user's program would.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const req = createRequire(import.meta.url);
const GRAPH = pathToFileURL(req.resolve('@tensorgraft/graph')).href;
const TF = pathToFileURL(req.resolve('@tensorflow/tfjs-core')).href;
const WASM_PACKAGE = req.resolve('@tensorflow/tfjs-backend-wasm/package.json');
const WASM = pathToFileURL(req.resolve('@tensorflow/tfjs-backend-wasm')).href;
const dir = mkdtempSync(join(tmpdir(), 'graph-hygiene-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A user's program: chooses a backend (or not), runs a tiny graph, reports, then makes `mistake` (its own). */
function userProgram(opts: { userBackend?: string; sessionBackend?: string; mistake?: 'throw' | 'reject' }): {
  status: number | null;
  report: { before: string | null; session: string; after: string; y: number[]; handlers: number[] } | undefined;
  stderr: string;
  file: string;
} {
  const file = join(dir, `user-${Math.random().toString(36).slice(2)}.mjs`);
  const source = `import * as tf from ${JSON.stringify(TF)};
import { Graph, GraphBuilder, Session } from ${JSON.stringify(GRAPH)};
const handlers = () => [process.listeners('uncaughtException').length, process.listeners('unhandledRejection').length];
${
  opts.userBackend === 'wasm'
    ? `import * as wasm from ${JSON.stringify(WASM)};
(wasm.setWasmPaths ?? wasm.default.setWasmPaths)(${JSON.stringify(join(WASM_PACKAGE, '..', 'dist/'))});`
    : ''
}
${opts.userBackend ? `await tf.setBackend(${JSON.stringify(opts.userBackend)});` : ''}
const before = tf.engine().backendName;
const handlersBefore = handlers();
const g = new Graph();
const b = new GraphBuilder(g);
b.softmax(b.placeholder('float32', [3], 'x'), 'y');
const session = new Session(g${opts.sessionBackend ? `, { backend: ${JSON.stringify(opts.sessionBackend)} }` : ''});
// fed as a cast: the CPU backend's int32 -> float32 cast keeps an Int32Array, which tfjs's own move would garble
const y = await session.run('y:0', { 'x:0': tf.cast(tf.tensor1d([1, 2, 3], 'int32'), 'float32') });
// a tensor from the session works in the user's own ops on the user's backend
const doubled = tf.mul(y, 2);
console.log(JSON.stringify({ before, session: session.backend, after: tf.getBackend(), y: Array.from(doubled.dataSync()),
  handlers: [...handlersBefore, ...handlers()] }));
${opts.mistake === 'throw' ? "setTimeout(() => { throw new Error('user boom'); }, 0);" : ''}
${opts.mistake === 'reject' ? "Promise.reject(new Error('user rejection'));" : ''}
`;
  writeFileSync(file, source);
  const r = spawnSync(process.execPath, [file], { encoding: 'utf8', timeout: 60_000 });
  const line = r.stdout.split('\n').find((l) => l.startsWith('{'));
  return { status: r.status, report: line ? JSON.parse(line) : undefined, stderr: r.stderr, file };
}

// softmax([1, 2, 3]) * 2, in float32 as tfjs computes it
const expectedY = (() => {
  const e = [1, 2, 3].map((v) => Math.exp(v - 3));
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((v) => Math.fround(Math.fround(v / s) * 2));
})();

describe('backend hygiene', () => {
  it("leaves the user's cpu backend active after a run on wasm", () => {
    const r = userProgram({ userBackend: 'cpu' });
    expect(r.status).toBe(0);
    expect(r.report!.before).toBe('cpu');
    expect(r.report!.session).toBe('wasm');
    expect(r.report!.after).toBe('cpu');
    for (const [i, v] of r.report!.y.entries()) expect(v).toBeCloseTo(expectedY[i]!, 6);
  });

  it('runs on the backend asked for with new Session(g, {backend})', () => {
    const r = userProgram({ userBackend: 'wasm', sessionBackend: 'cpu' });
    expect(r.status).toBe(0);
    expect([r.report!.before, r.report!.session, r.report!.after]).toEqual(['wasm', 'cpu', 'wasm']);
    for (const [i, v] of r.report!.y.entries()) expect(v).toBeCloseTo(expectedY[i]!, 6);
  });

  it('leaves no process handlers of the wasm module behind', () => {
    const r = userProgram({ userBackend: 'cpu' });
    const [uncaughtBefore, rejectionBefore, uncaughtAfter, rejectionAfter] = r.report!.handlers;
    expect([uncaughtAfter, rejectionAfter]).toEqual([uncaughtBefore, rejectionBefore]);
  });
});

describe("an uncaught error in the user's program after a wasm run", () => {
  it("prints the user's stack and exits 1, as Node does", () => {
    const r = userProgram({ userBackend: 'cpu', mistake: 'throw' });
    expect(r.report!.session).toBe('wasm');
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('Error: user boom');
    expect(r.stderr).toContain(r.file);
    expect(r.stderr).not.toContain('ExitStatus');
    expect(r.stderr.length).toBeLessThan(2000);
  });

  it('an unhandled rejection too', () => {
    const r = userProgram({ mistake: 'reject' });
    expect(r.report!.session).toBe('wasm');
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('Error: user rejection');
    expect(r.stderr).toContain(r.file);
    expect(r.stderr.length).toBeLessThan(2000);
  });
});
