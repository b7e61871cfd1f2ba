// Runs one target under fast-check: every case must end in the target's normal return or one of the packages' typed
// errors, within a time bound, without a huge allocation. A failure is shrunk and reported with the seed and path
// that replay it (`pnpm fuzz --target T --seed S --path P`).
import fc from 'fast-check';
import { applyInput, inputArb } from './mutate.js';
import { isTypedError, type Target } from './targets.js';

export interface FuzzOptions {
  numRuns: number;
  seed: number;
  /** fast-check's counterexample path, to replay one failure. */
  path?: string | undefined;
  /** A case taking longer than this is a hang (default 2 s: the seeds are a few KiB). */
  caseTimeMs?: number;
  /** ArrayBuffer memory above this many bytes after a case is an unbounded allocation (default 256 MiB). */
  allocBytes?: number;
}

export interface FuzzReport {
  target: string;
  numRuns: number;
  seed: number;
  ms: number;
  failed: boolean;
  path?: string;
  error?: string;
  /** The shrunk input's bytes, hex, at most 256 of them. */
  input?: string;
}

export function fuzzTarget(target: Target, options: FuzzOptions): FuzzReport {
  const caseTimeMs = options.caseTimeMs ?? 2000;
  const allocBytes = options.allocBytes ?? 256 << 20;
  const property = fc.property(inputArb, (input) => {
    const bytes = applyInput(target.seeds, input);
    const start = performance.now();
    try {
      target.run(bytes, input.seed);
    } catch (err) {
      if (!isTypedError(err)) throw new Error(`untyped error: ${describe(err)}`, { cause: err });
    }
    const ms = performance.now() - start;
    if (ms > caseTimeMs) throw new Error(`case took ${ms.toFixed(0)} ms (limit ${caseTimeMs} ms)`);
    const held = process.memoryUsage().arrayBuffers;
    if (held > allocBytes) throw new Error(`${held} bytes of ArrayBuffers held after the case`);
  });
  const start = performance.now();
  const details = fc.check(property, {
    numRuns: options.numRuns,
    seed: options.seed,
    ...(options.path ? { path: options.path } : {}),
  });
  const report: FuzzReport = {
    target: target.name,
    numRuns: details.numRuns,
    seed: details.seed,
    ms: Math.round(performance.now() - start),
    failed: details.failed,
  };
  if (details.failed) {
    if (details.counterexamplePath) report.path = details.counterexamplePath;
    report.error = describe(details.errorInstance);
    const input = details.counterexample?.[0];
    if (input) report.input = Buffer.from(applyInput(target.seeds, input).subarray(0, 256)).toString('hex');
  }
  return report;
}

function describe(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const stack = (err.stack ?? '').split('\n').slice(1, 6).join('\n');
  return `${err.name}: ${err.message}\n${stack}`;
}
