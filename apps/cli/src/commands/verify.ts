// `tensorgraft verify CHECKPOINT [--json]`: reads every tensor and checks every checksum (table blocks and tensor
// crc32c); names each damaged tensor; exit 1 if any. A .safetensors file has no checksums: what is checked there is
// the header, each tensor's offsets and size, and that the tensors fill the file, and the output says so.
import { expectPositionals, requirePositional } from '../args.js';
import type { Command } from '../command.js';
import { openCheckpointArg } from '../open-checkpoint.js';
import { startProgress } from '../progress.js';

export const verifyCommand: Command = {
  name: 'verify',
  usage: 'verify CHECKPOINT [--json]',
  summary: 'read every tensor and check every checksum; names each damaged tensor (exit 1 if any)',
  async run(ctx) {
    expectPositionals(ctx.args, 1);
    const path = requirePositional(ctx.args, 0, 'CHECKPOINT');
    const { escapeControls } = await import('@tensorgraft/proto/lite');
    const { reader: r } = await openCheckpointArg(path);
    try {
      const names = r.names();
      const progress = await startProgress('verify', names.length, ctx.progressStream);
      let found: Map<string, { code?: unknown; message: string }>;
      try {
        // verifyAll checks each tensor through a bounded buffer: a huge (or sparse, damaged) tensor is never held whole
        found = r.verifyAll({ onTensor: () => progress.tick() });
      } finally {
        progress.stop();
      }
      const all = [...found].map(([name, err]) => ({
        name,
        code: typeof err.code === 'string' ? err.code : 'CORRUPT_DATA',
        message: err.message,
      }));
      // A dtype this package cannot read (variant, resource) is not damage: list it as unchecked.
      const unchecked = all.filter((p) => p.code === 'UNSUPPORTED');
      const problems = all.filter((p) => p.code !== 'UNSUPPORTED');
      const count = r.names().length;
      const checked = CHECKED[r.format];
      if (ctx.json) {
        const doc = {
          checkpoint: path,
          format: r.format,
          ok: problems.length === 0,
          checked,
          tensors: count,
          problems,
          unchecked,
        };
        ctx.stdout(`${JSON.stringify(doc, null, 2)}\n`);
      } else {
        for (const p of unchecked) ctx.stderr(`unchecked: ${escapeControls(p.name)}: ${p.message}\n`);
        if (problems.length === 0) {
          ctx.stdout(`ok: ${count - unchecked.length} tensors (${r.format}): ${checked}\n`);
        } else {
          for (const p of problems) ctx.stderr(`damaged: ${escapeControls(p.name)}: ${p.code}: ${p.message}\n`);
          ctx.stdout(`${problems.length} of ${count} tensors damaged\n`);
        }
      }
      return problems.length === 0 ? 0 : 1;
    } finally {
      r.close();
    }
  },
};

/** What `verify` can vouch for in each format. */
const CHECKED = {
  v2: 'every table block and tensor checksum matches',
  v1: 'every table block checksum matches',
  safetensors: 'header, offsets and sizes are valid (the format has no checksums: tensor bytes cannot be checked)',
} as const;
