// `tensorgraft graph FILE [--to pb|pbtxt|json] [-o OUT] [--type graph|meta] [--check]`: summarise or convert a GraphDef
// or MetaGraphDef, or check it can run (and train) here. OUT is replaced atomically (a symlink there is replaced, not
// followed).
import { expectPositionals, requirePositional, stringOption } from '../args.js';
import { type Command, UsageError } from '../command.js';
import type { GraphFileKind, LoadedGraphFile } from '../graph-file.js';

const FORMATS = ['pb', 'pbtxt', 'json'] as const;
type Format = (typeof FORMATS)[number];

export const graphCommand: Command = {
  name: 'graph',
  usage: 'graph FILE [--to pb|pbtxt|json] [-o OUT] [--type graph|meta] [--check] [--json]',
  summary: 'summarise a GraphDef or MetaGraphDef (.pb, .pbtxt, .meta), or convert it between binary, text and JSON',
  valueOptions: ['--to', '-o', '--out', '--type'],
  flags: ['--check'],
  optionHelp: {
    '--check':
      'list the op types @tensorgraft/graph cannot run, or cannot differentiate on the way from a trainable variable, with their nodes; exit 1 if any',
    '--to': 'convert instead of summarising: pb (binary), pbtxt (text format) or json (lossless JSON)',
    '-o': 'with --to: write to this file instead of stdout',
    '--out': 'same as -o',
    '--type': 'graph (GraphDef) or meta (MetaGraphDef) when the extension and content do not tell',
  },
  async run(ctx) {
    expectPositionals(ctx.args, 1);
    const file = requirePositional(ctx.args, 0, 'FILE');
    const to = stringOption(ctx.args, '--to');
    const out = stringOption(ctx.args, '-o') ?? stringOption(ctx.args, '--out');
    const type = stringOption(ctx.args, '--type');
    if (to !== undefined && !FORMATS.includes(to as Format))
      throw new UsageError(`--to must be one of ${FORMATS.join(', ')}`);
    if (type !== undefined && type !== 'graph' && type !== 'meta') throw new UsageError('--type must be graph or meta');
    if (out !== undefined && to === undefined) throw new UsageError('-o needs --to');
    const check = ctx.args.options.has('--check');
    if (check && to !== undefined) throw new UsageError('--check does not convert: drop --to');

    const { loadGraphFile } = await import('../graph-file.js');
    const loaded = await loadGraphFile(file, type as GraphFileKind | undefined);
    if (check) {
      const { checkGraph, formatCheck } = await import('../graph-check.js');
      const result = checkGraph(loaded);
      ctx.stdout(ctx.json ? `${JSON.stringify({ file, ...result }, null, 2)}\n` : formatCheck(file, result));
      return result.ok ? 0 : 1;
    }
    if (to === undefined) {
      const { formatSummary, summarizeGraphFile } = await import('../graph-summary.js');
      const summary = summarizeGraphFile(loaded);
      ctx.stdout(ctx.json ? `${JSON.stringify({ file, ...summary }, null, 2)}\n` : formatSummary(file, summary));
      return 0;
    }
    const bytes = await convert(loaded, to as Format);
    if (out !== undefined) {
      const { writeFileAtomic } = await import('../output-files.js');
      writeFileAtomic(out, typeof bytes === 'string' ? new TextEncoder().encode(bytes) : bytes);
      if (ctx.json) ctx.stdout(`${JSON.stringify({ file, kind: loaded.kind, to, out, bytes: bytes.length })}\n`);
    } else {
      ctx.stdout(typeof bytes === 'string' ? bytes : Buffer.from(bytes).toString('latin1'));
    }
    return 0;
  },
};

async function convert(loaded: LoadedGraphFile, to: Format): Promise<Uint8Array | string> {
  const { encodeMessage, printText, tensorflow } = await import('@tensorgraft/proto');
  if (loaded.kind === 'graph') {
    if (to === 'pb') return encodeMessage(tensorflow.GraphDef, loaded.message);
    if (to === 'pbtxt') return printText(tensorflow.GraphDef, loaded.message);
    return `${JSON.stringify(tensorflow.GraphDef.toObject(loaded.message, JSON_OPTIONS), null, 2)}\n`;
  }
  if (to === 'pb') return encodeMessage(tensorflow.MetaGraphDef, loaded.message);
  if (to === 'pbtxt') return printText(tensorflow.MetaGraphDef, loaded.message);
  return `${JSON.stringify(tensorflow.MetaGraphDef.toObject(loaded.message, JSON_OPTIONS), null, 2)}\n`;
}

// Lossless JSON: 64-bit integers as decimal strings, enums by name, bytes as base64.
const JSON_OPTIONS = { longs: String, enums: String, bytes: String, defaults: false, arrays: false, objects: false };
