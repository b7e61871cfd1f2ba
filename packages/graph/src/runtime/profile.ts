// Per-op-type time of a Session run (SessionOptions.profile, TENSORGRAFT_PROFILE=1): where a step's time goes.
// Every backend a session runs on (tensorflow, wasm, cpu) computes a kernel before its call returns, so a clock
// around the call is the kernel's time: no sync (dataSync) is needed, and a run without profiling pays nothing.

/** One op type's share of a run. */
export interface OpTypeTime {
  op: string;
  count: number;
  ms: number;
}

/** Where one run's time went: kernels by op type (most first), and the whole run's wall time. */
export interface RunProfile {
  ops: OpTypeTime[];
  /** Kernel time summed: `totalMs` less this is the executor's own (planning, feeding, bookkeeping). */
  kernelMs: number;
  totalMs: number;
}

/** Collects kernel times by op type during one run. */
export class Profiler {
  private readonly byOp = new Map<string, OpTypeTime>();
  private readonly start = performance.now();

  /** Runs `kernel`, adding its time to `op`'s row. */
  time<R>(op: string, kernel: () => R): R {
    const t0 = performance.now();
    try {
      return kernel();
    } finally {
      const ms = performance.now() - t0;
      const row = this.byOp.get(op);
      if (row) {
        row.count++;
        row.ms += ms;
      } else this.byOp.set(op, { op, count: 1, ms });
    }
  }

  finish(): RunProfile {
    const ops = [...this.byOp.values()].sort((a, b) => b.ms - a.ms);
    return { ops, kernelMs: ops.reduce((s, r) => s + r.ms, 0), totalMs: performance.now() - this.start };
  }
}

/** The profile as a table: op type, count, total ms, % of the run. */
export function formatProfile(p: RunProfile): string {
  const pct = (ms: number) => (p.totalMs > 0 ? (100 * ms) / p.totalMs : 0).toFixed(1).padStart(6);
  const width = Math.max(9, ...p.ops.map((r) => r.op.length));
  const line = (op: string, count: string, ms: number) =>
    `${op.padEnd(width)} ${count.padStart(6)} ${ms.toFixed(1).padStart(10)} ${pct(ms)}`;
  return [
    `${'op type'.padEnd(width)} ${'count'.padStart(6)} ${'total ms'.padStart(10)} ${'%'.padStart(6)}`,
    ...p.ops.map((r) => line(r.op, String(r.count), r.ms)),
    line('(kernels)', String(p.ops.reduce((s, r) => s + r.count, 0)), p.kernelMs),
    line('(run)', '', p.totalMs),
  ].join('\n');
}
