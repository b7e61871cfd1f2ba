// `tensorgraft verify CHECKPOINT [--json]`: reads every tensor and checks every checksum (table blocks and tensor
// crc32c); names each damaged tensor; exit 1 if any.
import { expectPositionals, requirePositional } from '../args.js';
import type { Command } from '../command.js';
import { startProgress } from '../progress.js';

export const verifyCommand: Command = {
  name: 'verify',
  usage: 'verify CHECKPOINT [--json]',
  summary: 'read every tensor and check every checksum; names each damaged tensor (exit 1 if any)',
  async run(ctx) {
    expectPositionals(ctx.args, 1);
    const path = requirePositional(ctx.args, 0, 'CHECKPOINT');
    const { openCheckpoint } = await import('@tensorgraft/bundle-io');
    const r = openCheckpoint(path);
    try {
      // tensor by tensor (what verifyAll does), so a bar can count them
      const all: { name: string; code: string; message: string }[] = [];
      const names = r.names();
      const progress = await startProgress('verify', names.length, ctx.progressStream);
      try {
        for (const name of names) {
          try {
            r.get(name);
          } catch (err) {
            const code = (err as { code?: unknown }).code;
            all.push({ name, code: typeof code === 'string' ? code : 'CORRUPT_DATA', message: (err as Error).message });
          }
          progress.tick();
        }
      } finally {
        progress.stop();
      }
      // A dtype this package cannot read (variant, resource) is not damage: list it as unchecked.
      const unchecked = all.filter((p) => p.code === 'UNSUPPORTED');
      const problems = all.filter((p) => p.code !== 'UNSUPPORTED');
      const count = r.names().length;
      if (ctx.json) {
        const doc = {
          checkpoint: path,
          format: r.format,
          ok: problems.length === 0,
          tensors: count,
          problems,
          unchecked,
        };
        ctx.stdout(`${JSON.stringify(doc, null, 2)}\n`);
      } else {
        for (const p of unchecked) ctx.stderr(`unchecked: ${p.name}: ${p.message}\n`);
        if (problems.length === 0) {
          ctx.stdout(`ok: ${count - unchecked.length} tensors, every checksum matches (${r.format})\n`);
        } else {
          for (const p of problems) ctx.stderr(`damaged: ${p.name}: ${p.code}: ${p.message}\n`);
          ctx.stdout(`${problems.length} of ${count} tensors damaged\n`);
        }
      }
      return problems.length === 0 ? 0 : 1;
    } finally {
      r.close();
    }
  },
};
