// `tensorgraft events PATH [--json]`: every value in an event file or a log directory (run, tag, step, wall time,
// kind, value). A torn tail (a file still being written) is reported and is not an error; a corrupt record is (exit 1).
import { type EventValue, eventFilesAt, eventValues, readEventFile } from '@tensorgraft/events-writer';
import { tensorflow } from '@tensorgraft/proto';
import { expectPositionals, requirePositional } from '../args.js';
import type { Command } from '../command.js';

interface FileReport {
  run: string;
  path: string;
  events: number;
  torn?: { offset: number; available: number; needed: number };
}

interface ValueRow {
  run: string;
  tag: string;
  step: number | string;
  wall_time: number;
  kind: string;
  value: unknown;
}

export const eventsCommand: Command = {
  name: 'events',
  usage: 'events PATH [--json]',
  summary: 'every value in a TensorBoard event file or log directory: run, tag, step, wall time, kind, value',
  async run(ctx) {
    expectPositionals(ctx.args, 1);
    const path = requirePositional(ctx.args, 0, 'PATH');
    const files: FileReport[] = [];
    const values: ValueRow[] = [];
    for (const entry of eventFilesAt(path)) {
      const contents = readEventFile(entry.path);
      const report: FileReport = { run: entry.run, path: entry.path, events: contents.events.length };
      if (contents.torn) report.torn = contents.torn;
      files.push(report);
      const plugins = new Map<string, string>();
      for (const { event } of contents.events) {
        for (const v of eventValues(event, plugins)) values.push(row(entry.run, v));
      }
    }
    if (ctx.json) {
      ctx.stdout(`${JSON.stringify({ path, files, values }, jsonNumbers)}\n`);
      return 0;
    }
    const lines: string[] = [];
    for (const f of files) {
      const torn = f.torn
        ? `, torn tail at offset ${f.torn.offset} (${f.torn.available} of ${f.torn.needed} bytes)`
        : '';
      lines.push(`# run ${f.run}: ${f.path} (${f.events} events${torn})`);
    }
    lines.push(['run', 'tag', 'step', 'wall_time', 'kind', 'value'].join('\t'));
    for (const v of values) {
      lines.push([v.run, v.tag, v.step, v.wall_time, v.kind, brief(v)].join('\t'));
    }
    ctx.stdout(`${lines.join('\n')}\n`);
    return 0;
  },
};

function row(run: string, v: EventValue): ValueRow {
  return {
    run,
    tag: v.tag,
    step: typeof v.step === 'bigint' ? v.step.toString() : v.step,
    wall_time: v.wallTime,
    kind: v.kind,
    value: jsonValue(v),
  };
}

/** A JSON-friendly value: histograms as [left, right, count] rows, images and graphs summarised. */
function jsonValue(v: EventValue): unknown {
  switch (v.kind) {
    case 'histogram':
      return (v.value as { left: number; right: number; count: number }[]).map((b) => [b.left, b.right, b.count]);
    case 'image': {
      const img = v.value as { width: number; height: number; images: Uint8Array[] };
      return {
        width: img.width,
        height: img.height,
        images: img.images.length,
        bytes: img.images.map((i) => i.length),
      };
    }
    case 'graph': {
      const bytes = v.value as Uint8Array;
      let nodes: number | null = null;
      try {
        nodes = tensorflow.GraphDef.decode(bytes).node.length;
      } catch {
        nodes = null; // not a GraphDef: still list the event
      }
      return { bytes: bytes.length, nodes };
    }
    default:
      return v.value;
  }
}

function brief(r: ValueRow): string {
  const v = r.value;
  switch (r.kind) {
    case 'scalar':
      return String(v);
    case 'histogram': {
      const rows = v as number[][];
      const count = rows.reduce((a, b) => a + (b[2] ?? 0), 0);
      return rows.length
        ? `${rows.length} buckets, ${count} values in [${rows[0]![0]}, ${rows[rows.length - 1]![1]}]`
        : 'empty';
    }
    case 'image': {
      const img = v as { width: number; height: number; images: number };
      return `${img.images} image(s) ${img.width}x${img.height}`;
    }
    case 'graph': {
      const g = v as { bytes: number; nodes: number | null };
      return `${g.nodes ?? '?'} nodes, ${g.bytes} bytes`;
    }
    default:
      return JSON.stringify(v, jsonNumbers);
  }
}

// DESIGN.md: non-finite floats as "NaN", "Infinity", "-Infinity".
function jsonNumbers(_key: string, value: unknown): unknown {
  if (typeof value === 'number' && !Number.isFinite(value)) return String(value);
  if (typeof value === 'bigint') return value.toString();
  return value;
}
