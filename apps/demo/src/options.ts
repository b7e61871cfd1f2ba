// Command-line options: Node's util.parseArgs splits them, zod validates them (every flag has a type, a range and a
// default); unknown flags and bad values are usage errors (exit 2) that say which flag and why.
import { parseArgs } from 'node:util';
import { z } from 'zod';

const int = (min: number, max: number, def: number) => z.coerce.number().int().min(min).max(max).default(def);

const OptionsObject = z
  .object({
    out: z.string().min(1).default('demo-out'),
    checkpoint: z.string().min(1).optional(),
    steps: int(1, 100_000, 60),
    batch: int(1, 1024, 8),
    seed: int(0, 2 ** 31 - 1, 42),
    'image-size': z.coerce
      .number()
      .int()
      .min(32)
      .max(448)
      .refine((v) => v % 32 === 0, 'must be a multiple of 32')
      .optional(),
    classes: int(2, 6, 4),
    'train-images': int(2, 10_000, 24),
    'eval-images': int(1, 10_000, 8),
    hidden: int(1, 4096, 64),
    optimizer: z.enum(['adam', 'momentum']).default('adam'),
    lr: z.coerce.number().positive().max(10).default(0.01),
    'save-every': int(1, 100_000, 20),
    'vgg-width': z.coerce.number().positive().max(1).optional(),
    resume: z.boolean().default(false),
    json: z.boolean().default(false),
    help: z.boolean().default(false),
  })
  .strict();

export const OptionsSchema = OptionsObject.refine(
  (o) => !o.checkpoint || (o['image-size'] === undefined && o['vgg-width'] === undefined),
  {
    message: 'the architecture comes from the checkpoint: leave out --image-size and --vgg-width',
    path: ['checkpoint'],
  },
);

export type Options = z.infer<typeof OptionsSchema>;

export class UsageError extends Error {
  override readonly name = 'UsageError';
}

const BOOLEAN = new Set(['json', 'help', 'resume']);

/** parseArgs' configuration: every key of the schema, booleans as flags, the rest taking a value (zod coerces it). */
const PARSE_CONFIG = Object.fromEntries(
  Object.keys(OptionsObject.shape).map((key) => [
    key,
    BOOLEAN.has(key)
      ? { type: 'boolean' as const, ...(key === 'help' ? { short: 'h' } : {}) }
      : { type: 'string' as const },
  ]),
);

export function parseOptions(argv: readonly string[]): Options {
  let raw: Record<string, unknown>;
  try {
    raw = parseArgs({ args: [...argv], options: PARSE_CONFIG, strict: true, allowPositionals: false }).values;
  } catch (err) {
    throw new UsageError(parseArgsMessage(err));
  }
  const parsed = OptionsSchema.safeParse(raw);
  if (!parsed.success) {
    const msgs = parsed.error.issues.map((iss) => {
      if (iss.code === 'unrecognized_keys') return `unknown option ${iss.keys.map((k) => `--${k}`).join(', ')}`;
      return `--${iss.path.join('.')}: ${iss.message}`;
    });
    throw new UsageError(msgs.join('; '));
  }
  return parsed.data;
}

/** parseArgs' messages are about its own API; say what the user did wrong, naming the option. */
function parseArgsMessage(err: unknown): string {
  const code = (err as { code?: unknown }).code;
  const message = err instanceof Error ? err.message : String(err);
  const option = /'(-[^' ,]*)/.exec(message)?.[1] ?? 'an option';
  if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') return `unknown option ${option}`;
  if (code === 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL') {
    return `unexpected argument ${/'([^']*)'/.exec(message)?.[1] ?? message}`;
  }
  if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') {
    return /argument missing|ambiguous/.test(message) ? `${option} needs a value` : `${option} takes no value`;
  }
  return message;
}

export const USAGE = `usage: tensorgraft-demo [options]

Loads a VGG-16 (TF-slim layout), grafts a new head under scope 'head' onto its pool5 features, freezes the backbone
behind a stop-gradient boundary, fine-tunes the head on a seeded synthetic pattern dataset, and writes checkpoints
and TensorBoard logs. No network needed.

  --out DIR            output directory (default demo-out)
  --checkpoint PATH    a TF-slim vgg_16 checkpoint (V1 or V2; its shapes give the architecture), else seeded
                       He-initialised weights are made: NOT ImageNet weights
  --steps N            training steps (default 60)
  --batch N            batch size (default 8)
  --seed N             seed for weights, data and batches (default 42)
  --image-size N       input size, a multiple of 32 (default 224; not with --checkpoint)
  --classes N          pattern classes, 2..6 (default 4)
  --train-images N     training images (default 24)
  --eval-images N      held-out images (default 8)
  --hidden N           head hidden units (default 64)
  --optimizer NAME     adam | momentum (default adam)
  --lr X               learning rate (default 0.01)
  --save-every N       checkpoint every N steps (default 20)
  --vgg-width X        channel multiplier for a smaller VGG, 0 < X <= 1 (default 1; for quick tests; not with
                       --checkpoint)
  --resume             continue from the newest head checkpoint in <out>/checkpoints (steps count on)
  --json               print a JSON summary on stdout
`;
