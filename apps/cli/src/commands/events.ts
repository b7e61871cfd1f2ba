// `tensorgraft events PATH [--allow-torn-tail] [--json]`: every value in an event file or a log directory (run, tag,
// step, wall time, kind, value). A file that ends inside a record (a torn or damaged tail, e.g. a checksummed length
// far past the end) is reported with its file and offset and is an error (exit 1) unless --allow-torn-tail, which
// tolerates it as TensorFlow's readers tolerate a record still being written; a corrupt record is always an error.
import type { EventValue } from '@tensorgraft/events-writer';
import type { tensorflow as TensorflowProtos } from '@tensorgraft/proto';
import { expectPositionals, requirePositional } from '../args.js';
import type { Command } from '../command.js';
import { isLocation } from '../remote-checkpoint.js';

/** Copies an event file location, or the objects directly under a logdir location, into a temporary directory. */
async function copyDown(location: string): Promise<string> {
  const { mkdtempSync, writeFileSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const { resolveStore } = await import('@tensorgraft/bundle-io');
  const store = resolveStore(location);
  const dir = mkdtempSync(join(tmpdir(), 'tg-events-'));
  const single = await store.exists(location);
  const objects = single ? [location] : await store.list(location);
  for (const o of objects) {
    const src = await store.open(o);
    writeFileSync(join(dir, o.slice(o.lastIndexOf('/') + 1)), await src.read(0, src.size));
    await src.close();
  }
  return single ? join(dir, location.slice(location.lastIndexOf('/') + 1)) : dir;
}

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
  usage: 'events PATH [--allow-torn-tail] [--json]',
  summary: 'every value in a TensorBoard event file or log directory: run, tag, step, wall time, kind, value',
  flags: ['--allow-torn-tail'],
  optionHelp: {
    '--allow-torn-tail':
      'accept a file that ends inside a record (a record still being written, as TensorFlow tolerates); without it\n' +
      'such a damaged tail is reported with its file and offset and the exit status is 1',
  },
  async run(ctx) {
    expectPositionals(ctx.args, 1);
    const path = requirePositional(ctx.args, 0, 'PATH');
    const { EventsError, eventFilesAt, eventValues, iterateEventFile } = await import('@tensorgraft/events-writer');
    const { tensorflow } = await import('@tensorgraft/proto');
    // An s3:// (or other storage) location: its event files are copied to a temporary directory first (an event file
    // or the files directly under a logdir location).
    const local = isLocation(path) ? await copyDown(path) : undefined;
    const entries = eventFilesAt(local ?? path).map((e) =>
      local
        ? { ...e, path: `${path.replace(/\/+$/, '')}${e.path.slice(local.length)}`, localPath: e.path }
        : { ...e, localPath: e.path },
    );
    // Output is streamed file by file, event by event: an event file can hold millions of values.
    const files: FileReport[] = [];
    let first = true;
    if (ctx.json) ctx.stdout(`{"path":${JSON.stringify(path)},"values":[`);
    else ctx.stdout(`${['run', 'tag', 'step', 'wall_time', 'kind', 'value'].join('\t')}\n`);
    try {
      for (const entry of entries) {
        const report: FileReport = { run: entry.run, path: entry.path, events: 0 };
        files.push(report);
        const plugins = new Map<string, string>();
        const events = iterateEventFile(entry.localPath);
        try {
          for (;;) {
            const next = events.next();
            if (next.done) {
              if (next.value.torn) report.torn = next.value.torn;
              break;
            }
            report.events++;
            for (const v of eventValues(next.value.event, plugins)) {
              const r = row(entry.run, v, tensorflow);
              if (ctx.json) {
                ctx.stdout(`${first ? '' : ','}\n${JSON.stringify(r, jsonNumbers)}`);
                first = false;
              } else {
                ctx.stdout(`${[r.run, r.tag, r.step, r.wall_time, r.kind, brief(r)].join('\t')}\n`);
              }
            }
          }
        } finally {
          events.return({}); // closes the file however the loop ended
        }
        if (!ctx.json) {
          const torn = report.torn
            ? `, torn tail at offset ${report.torn.offset} (${report.torn.available} of ${report.torn.needed} bytes)`
            : '';
          ctx.stdout(`# run ${report.run}: ${report.path} (${report.events} events${torn})\n`);
        }
      }
    } catch (err) {
      if (!ctx.json || !(err instanceof EventsError)) throw err;
      // Keep stdout one JSON document: close it with the error, then fail.
      const error = { code: err.code, message: err.message, path: err.path, offset: err.offset };
      ctx.stdout(`\n],"files":${JSON.stringify(files)},"error":${JSON.stringify(error)}}\n`);
      ctx.stderr(`tensorgraft events: ${err.code}: ${err.message}\n`);
      return 1;
    }
    const damaged = ctx.args.options.has('--allow-torn-tail') ? [] : files.filter((f) => f.torn);
    for (const f of damaged) ctx.stderr(`tensorgraft events: TRUNCATED_RECORD: ${tornMessage(f)}\n`);
    if (ctx.json) {
      const first = damaged[0];
      const error = first && {
        code: 'TRUNCATED_RECORD',
        message: tornMessage(first),
        path: first.path,
        offset: first.torn!.offset,
      };
      ctx.stdout(`\n],"files":${JSON.stringify(files)}${error ? `,"error":${JSON.stringify(error)}` : ''}}\n`);
    }
    return damaged.length ? 1 : 0;
  },
};

function tornMessage(f: FileReport): string {
  const t = f.torn!;
  return `damaged tail at offset ${t.offset} of ${f.path}: the record there needs ${t.needed} bytes, ${t.available} are present (--allow-torn-tail accepts a file still being written)`;
}

function row(run: string, v: EventValue, tensorflow: typeof TensorflowProtos): ValueRow {
  return {
    run,
    tag: v.tag,
    step: typeof v.step === 'bigint' ? v.step.toString() : v.step,
    wall_time: v.wallTime,
    kind: v.kind,
    value: jsonValue(v, tensorflow),
  };
}

/** A JSON-friendly value: histograms as [left, right, count] rows, images and graphs summarised. */
function jsonValue(v: EventValue, tensorflow: typeof TensorflowProtos): unknown {
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
