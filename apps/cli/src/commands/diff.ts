// `tensorgraft diff A B [--json]`: tensors only in A, only in B, and those whose dtype, shape or values differ (with
// the largest absolute difference). Exit 0 when the checkpoints hold the same tensors, 1 when they differ (as diff(1)).
import { expectPositionals, requirePositional } from '../args.js';
import type { Command } from '../command.js';
import { openCheckpointArg } from '../open-checkpoint.js';
import { startProgress } from '../progress.js';

export const diffCommand: Command = {
  name: 'diff',
  usage: 'diff A B [--json]',
  summary: 'tensors only in A, only in B, and those whose dtype, shape or values differ (exit 1 if any)',
  async run(ctx) {
    expectPositionals(ctx.args, 2);
    const pa = requirePositional(ctx.args, 0, 'A');
    const pb = requirePositional(ctx.args, 1, 'B');
    const { compareTensors } = await import('@tensorgraft/bundle-io/lite');
    const { escapeControls } = await import('@tensorgraft/proto/lite');
    const { reader: a } = await openCheckpointArg(pa);
    const { reader: b } = await openCheckpointArg(pb);
    try {
      const onlyInA = a.names().filter((n) => !b.has(n));
      const onlyInB = b.names().filter((n) => !a.has(n));
      const differ: {
        name: string;
        kind: string;
        a?: string;
        b?: string;
        maxAbsDiff?: number | string;
        differing?: number;
      }[] = [];
      let same = 0;
      const common = a.names().filter((n) => b.has(n));
      const progress = await startProgress('diff', common.length, ctx.progressStream);
      for (const name of common) {
        progress.tick();
        const ea = a.entry(name);
        const eb = b.entry(name);
        if (ea.dtype !== eb.dtype) {
          differ.push({ name, kind: 'dtype', a: ea.dtype, b: eb.dtype });
          continue;
        }
        if (ea.shape.join() !== eb.shape.join() || ea.shape.length !== eb.shape.length) {
          differ.push({ name, kind: 'shape', a: `[${ea.shape.join(', ')}]`, b: `[${eb.shape.join(', ')}]` });
          continue;
        }
        // One tensor from each side at a time.
        const d = compareTensors(a.get(name), b.get(name));
        if (d.kind === 'same') same++;
        else {
          const m = d.maxAbsDiff ?? 0;
          differ.push({
            name,
            kind: d.kind,
            maxAbsDiff: Number.isFinite(m) ? m : 'Infinity',
            differing: d.differing ?? 0,
          });
        }
      }
      progress.stop();
      const identical = onlyInA.length === 0 && onlyInB.length === 0 && differ.length === 0;
      if (ctx.json) {
        ctx.stdout(`${JSON.stringify({ a: pa, b: pb, identical, same, onlyInA, onlyInB, differ }, null, 2)}\n`);
      } else {
        for (const n of onlyInA) ctx.stdout(`only in A: ${escapeControls(n)}\n`);
        for (const n of onlyInB) ctx.stdout(`only in B: ${escapeControls(n)}\n`);
        for (const d of differ) {
          if (d.kind === 'values')
            ctx.stdout(
              `values differ: ${escapeControls(d.name)} (${d.differing} elements, max abs diff ${d.maxAbsDiff})\n`,
            );
          else ctx.stdout(`${d.kind} differs: ${escapeControls(d.name)}: ${d.a} vs ${d.b}\n`);
        }
        ctx.stdout(
          identical
            ? `identical: ${same} tensors\n`
            : `${same} tensors equal, ${differ.length} differ, ${onlyInA.length} only in A, ${onlyInB.length} only in B\n`,
        );
      }
      return identical ? 0 : 1;
    } finally {
      a.close();
      b.close();
    }
  },
};
