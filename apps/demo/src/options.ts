// Command-line options, validated with zod: every flag has a type, a range and a default; unknown flags and bad
// values are usage errors (exit 2) that say which flag and why.
import { z } from 'zod';

const int = (min: number, max: number, def: number) => z.coerce.number().int().min(min).max(max).default(def);

export const OptionsSchema = z
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
  .strict()
  .refine((o) => !o.checkpoint || (o['image-size'] === undefined && o['vgg-width'] === undefined), {
    message: 'the architecture comes from the checkpoint: leave out --image-size and --vgg-width',
    path: ['checkpoint'],
  });

export type Options = z.infer<typeof OptionsSchema>;

export class UsageError extends Error {
  override readonly name = 'UsageError';
}

const BOOLEAN = new Set(['json', 'help', 'resume']);

export function parseOptions(argv: readonly string[]): Options {
  const raw: Record<string, unknown> = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '-h') {
      raw.help = true;
      continue;
    }
    if (!arg.startsWith('--')) throw new UsageError(`unexpected argument ${JSON.stringify(arg)}`);
    const eq = arg.indexOf('=');
    const key = arg.slice(2, eq > 0 ? eq : undefined);
    if (BOOLEAN.has(key)) {
      if (eq > 0) throw new UsageError(`--${key} takes no value`);
      raw[key] = true;
      continue;
    }
    const value = eq > 0 ? arg.slice(eq + 1) : argv[++i];
    if (value === undefined) throw new UsageError(`--${key} needs a value`);
    raw[key] = value;
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
