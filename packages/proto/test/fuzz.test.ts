// Fuzz: mutated copies of real TensorFlow fixture bytes and text go through decodeMessage and parseText; the only
// exception allowed is ProtoError (no RangeError, TypeError, stack overflow, hang). Seeded, so a failure reproduces:
// each failure is reported with its seed and iteration.
import { join } from 'node:path';
import {
  decodeMessage,
  encodeMessage,
  type MessageType,
  ProtoError,
  parseText,
  printText,
  tensorflow,
} from '@tensorgraft/proto';
import { describe, expect, it } from 'vitest';
import { bytesOf, GRAPHS, MODELS, STATE, STATE_CASES, textOf } from './fixtures.js';
import { int, mutateBytes, pick, prng, type Rand } from './mutate.js';

// Reproduce or extend a run: PROTO_FUZZ_SEED=... PROTO_FUZZ_ITERATIONS=... pnpm vitest run test/fuzz.test.ts
const SEED = Number(process.env.PROTO_FUZZ_SEED ?? 20261125);
const ITERATIONS = Number(process.env.PROTO_FUZZ_ITERATIONS ?? 60_000);

// Small samples keep each iteration cheap: whole small messages, and single nodes / attrs / ops cut from the graphs.
const graphs = MODELS.map((m) => decodeMessage(tensorflow.GraphDef, bytesOf(join(GRAPHS, `${m}.pb`))));
const metas = MODELS.map((m) => decodeMessage(tensorflow.MetaGraphDef, bytesOf(join(GRAPHS, `${m}.meta`))));
const nodes = graphs.flatMap((g) => g.node);
const ops = metas.flatMap((m) => m.meta_info_def?.stripped_op_list?.op ?? []);

interface Sample {
  type: MessageType<unknown>;
  bytes: Uint8Array;
  text: string;
}
function sample<T>(type: MessageType<T>, message: T): Sample {
  return { type: type as MessageType<unknown>, bytes: encodeMessage(type, message), text: printText(type, message) };
}
const SAMPLES: Sample[] = [
  ...nodes.map((n) => sample(tensorflow.NodeDef, n)),
  ...ops.map((o) => sample(tensorflow.OpDef, o)),
  ...metas.map((m) => sample(tensorflow.SaverDef, m.saver_def as tensorflow.ISaverDef)),
  ...metas.flatMap((m) => Object.values(m.collection_def).map((c) => sample(tensorflow.CollectionDef, c))),
  ...graphs
    .filter((g) => g.library)
    .map((g) => sample(tensorflow.FunctionDefLibrary, g.library as tensorflow.IFunctionDefLibrary)),
  ...STATE_CASES.map((c) => {
    const text = textOf(join(STATE, c, 'checkpoint'));
    return sample(tensorflow.CheckpointState, parseText(tensorflow.CheckpointState, text));
  }),
  sample(tensorflow.GraphDef, graphs.find((_, i) => MODELS[i] === 'cond') as tensorflow.GraphDef),
];
// Bigger inputs: some iterations mutate a whole GraphDef.
const WHOLE: Sample[] = MODELS.filter((m) => m === 'cond' || m === 'constants').map((m) => ({
  type: tensorflow.GraphDef as MessageType<unknown>,
  bytes: bytesOf(join(GRAPHS, `${m}.pb`)),
  text: textOf(join(GRAPHS, `${m}.pbtxt`)),
}));

const TEXT_BITS = [
  '{',
  '}',
  '[',
  ']',
  '<',
  '>',
  ':',
  ';',
  ',',
  '"',
  "'",
  '\\',
  '#',
  '\n',
  ' ',
  '-',
  '.',
  '0',
  '9',
  'e',
  'f',
  'x',
  'inf',
  'nan',
  '0x',
  '\\x',
  '\\u',
  '\\377',
  '\\777',
  'name',
  'attr',
  'key',
  'value',
  'DT_FLOAT',
  'true',
  '[type.googleapis.com/tensorflow.SaverDef]',
  '9223372036854775808',
  '\u00e9',
  '\ud83d',
  '\u2028',
  '\0',
];

function mutateText(r: Rand, input: string, other: string): string {
  let s = input;
  const rounds = 1 + int(r, 3);
  for (let k = 0; k < rounds; k++) {
    const at = int(r, s.length + 1);
    switch (int(r, 6)) {
      case 0: // insert a significant piece
        s = s.slice(0, at) + pick(r, TEXT_BITS) + s.slice(at);
        break;
      case 1: // delete a range
        s = s.slice(0, at) + s.slice(at + 1 + int(r, 24));
        break;
      case 2: // truncate
        s = s.slice(0, at);
        break;
      case 3: {
        // splice from another real text
        const from = int(r, other.length + 1);
        s = s.slice(0, at) + other.slice(from, from + 1 + int(r, 80)) + s.slice(at + int(r, 8));
        break;
      }
      case 4: {
        // duplicate a range
        const from = int(r, s.length + 1);
        s = s.slice(0, at) + s.slice(from, from + 1 + int(r, 40)) + s.slice(at);
        break;
      }
      default: // replace one character with a random code unit
        if (s.length) {
          const i = int(r, s.length);
          s = s.slice(0, i) + String.fromCharCode(r() < 0.8 ? 32 + int(r, 95) : int(r, 0x10000)) + s.slice(i + 1);
        }
    }
  }
  return s;
}

interface Outcome {
  ran: number;
  rejected: number;
  failures: string[];
}

function run(kind: 'binary' | 'text', seed: number, iterations: number): Outcome {
  const r = prng(seed);
  const out: Outcome = { ran: 0, rejected: 0, failures: [] };
  for (let i = 0; i < iterations; i++) {
    const s = i % 200 === 0 ? pick(r, WHOLE) : pick(r, SAMPLES);
    const other = pick(r, SAMPLES);
    try {
      if (kind === 'binary') {
        const m = decodeMessage(s.type, mutateBytes(r, s.bytes, other.bytes), { path: 'fuzz.pb' });
        if (i % 16 === 0) printText(s.type, m); // whatever decodes must also print
      } else {
        const m = parseText(s.type, mutateText(r, s.text, other.text), { path: 'fuzz.pbtxt' });
        if (i % 16 === 0) encodeMessage(s.type, m); // whatever parses must also encode
      }
    } catch (err) {
      if (err instanceof ProtoError) {
        out.rejected++;
        const located =
          kind === 'binary' ? err.offset !== undefined : err.line !== undefined && err.column !== undefined;
        if (!located && out.failures.length < 10)
          out.failures.push(`seed ${seed} #${i}: ProtoError without position: ${err.message}`);
      } else if (out.failures.length < 10) {
        out.failures.push(`seed ${seed} #${i}: ${(err as Error)?.constructor?.name}: ${(err as Error)?.message}`);
      }
    }
    out.ran++;
  }
  return out;
}

describe('fuzz', () => {
  it(`decodeMessage throws only ProtoError (with an offset) on ${ITERATIONS} mutated binaries`, () => {
    const res = run('binary', SEED, ITERATIONS);
    expect(res.failures).toEqual([]);
    expect(res.ran).toBe(ITERATIONS);
    expect(res.rejected).toBeGreaterThan(ITERATIONS / 6); // the mutations really do break things
  }, 600_000);

  it(`parseText throws only ProtoError (with line and column) on ${ITERATIONS} mutated texts`, () => {
    const res = run('text', SEED + 1, ITERATIONS);
    expect(res.failures).toEqual([]);
    expect(res.ran).toBe(ITERATIONS);
    expect(res.rejected).toBeGreaterThan(ITERATIONS / 3);
  }, 600_000);
});
