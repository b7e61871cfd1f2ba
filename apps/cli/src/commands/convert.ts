// `tensorgraft convert IN OUT [--skip-unsupported] [--json]`: a TensorFlow checkpoint (V1 or V2) or .safetensors in;
// a TensorFlow V2 checkpoint (OUT is its prefix) or .safetensors out, chosen by OUT's extension. Names and dtypes are
// kept (bfloat16 and float16 too); partitioned tensors are written whole. Tensors go one at a time (read, written,
// dropped). safetensors has no string or complex128 dtype: such tensors stop the conversion unless
// --skip-unsupported, which leaves them out and names them. Existing output files are replaced (atomically, each by a
// rename over the path itself) only with --force. IN and OUT may be s3:// (or other storage) locations.
import { expectPositionals, requirePositional } from '../args.js';
import { type Command, InputProblem } from '../command.js';
import { openCheckpointArg } from '../open-checkpoint.js';
import { type Progress, startProgress } from '../progress.js';
import { isLocation } from '../remote-checkpoint.js';

export const convertCommand: Command = {
  name: 'convert',
  usage: 'convert IN OUT [--skip-unsupported] [--force] [--json]',
  summary: 'TensorFlow checkpoint (V1/V2) or .safetensors in, V2 checkpoint or .safetensors out (by OUT extension)',
  flags: ['--skip-unsupported', '--force'],
  optionHelp: {
    '--skip-unsupported':
      'writing .safetensors: leave out the tensors it has no dtype for (string, complex128, variant) and name them on\n' +
      'stderr, instead of stopping',
    '--force': 'replace output files that already exist (each atomically, by a rename over the path itself)',
  },
  async run(ctx) {
    expectPositionals(ctx.args, 2);
    const input = requirePositional(ctx.args, 0, 'IN');
    const out = requirePositional(ctx.args, 1, 'OUT');
    const skip = ctx.args.options.has('--skip-unsupported');
    const { BundleWriter, openCheckpoint, safetensorsDType, writeSafetensorsStreaming } = await import(
      '@tensorgraft/bundle-io'
    );
    const { escapeControls } = await import('@tensorgraft/proto');
    const { checkpointFiles, refuseToReplace } = await import('../output-files.js');
    const to = out.endsWith('.safetensors') ? 'safetensors' : 'v2';
    const remoteOut = isLocation(out);
    if (remoteOut) {
      if (to !== 'v2') throw new InputProblem(`a remote OUT (${out}) takes a V2 checkpoint, not .safetensors`);
      const { resolveStore } = await import('@tensorgraft/bundle-io');
      if (!ctx.args.options.has('--force') && (await resolveStore(out).exists(`${out}.index`))) {
        throw new InputProblem(`${out}.index exists; pass --force to replace it`);
      }
    } else refuseToReplace(to === 'safetensors' ? [out] : checkpointFiles(out), ctx.args.options.has('--force'));
    const r = isLocation(input) ? (await openCheckpointArg(input)).reader : openCheckpoint(input);
    const skipped: string[] = [];
    let written = 0;
    let progress: Progress | undefined;
    try {
      const entries = r.entries();
      if (to === 'safetensors') {
        const ok = entries.filter((e) => safetensorsDType(e.dtype) !== undefined);
        const bad = entries.filter((e) => safetensorsDType(e.dtype) === undefined);
        if (bad.length && !skip) {
          throw new InputProblem(
            `safetensors cannot hold ${bad.map((e) => `${e.name} (${e.dtype})`).join(', ')}; pass --skip-unsupported to leave them out`,
          );
        }
        skipped.push(...bad.map((e) => e.name));
        const bar = await startProgress('convert', ok.length, ctx.progressStream);
        progress = bar;
        writeSafetensorsStreaming(
          out,
          ok.map((e) => ({ name: e.name, dtype: e.dtype, shape: e.shape })),
          (name) => {
            const t = r.get(name);
            bar.tick();
            return t;
          },
        );
        written = ok.length;
      } else {
        progress = await startProgress('convert', entries.length, ctx.progressStream);
        // A remote OUT streams the data object, then writes the index (BundleWriter.create / finishAsync).
        const w = remoteOut ? await BundleWriter.create(out) : new BundleWriter(out);
        try {
          for (const e of entries) {
            w.add(e.name, r.get(e.name));
            written++;
            progress.tick();
          }
          if (remoteOut) await w.finishAsync();
          else w.finish();
        } catch (err) {
          if (remoteOut) await w.abortAsync();
          else w.abort();
          throw err;
        }
      }
    } finally {
      progress?.stop();
      r.close();
    }
    for (const n of skipped) ctx.stderr(`skipped (no safetensors dtype): ${escapeControls(n)}\n`);
    if (ctx.json) ctx.stdout(`${JSON.stringify({ in: input, out, from: r.format, to, tensors: written, skipped })}\n`);
    else ctx.stdout(`wrote ${written} tensors to ${out} (${r.format} -> ${to})\n`);
    return 0;
  },
};
