// Option parsing: zod validates types, ranges and combinations; unknown flags are refused.
import { parseOptions, UsageError } from '@tensorgraft/demo';
import { describe, expect, it } from 'vitest';

describe('options', () => {
  it('has defaults that finish in minutes on 2 cores', () => {
    const o = parseOptions([]);
    expect([o.steps, o.batch, o.seed, o['train-images'], o['eval-images'], o.optimizer, o.out]).toEqual([
      60,
      8,
      42,
      24,
      8,
      'adam',
      'demo-out',
    ]);
    expect(o['image-size']).toBeUndefined();
  });

  it('reads --flag value and --flag=value, numbers coerced', () => {
    const o = parseOptions(['--steps=5', '--lr', '0.5', '--optimizer', 'momentum', '--json']);
    expect([o.steps, o.lr, o.optimizer, o.json]).toEqual([5, 0.5, 'momentum', true]);
    expect([parseOptions(['-h']).help, parseOptions(['--help']).help, parseOptions([]).help]).toEqual([
      true,
      true,
      false,
    ]);
  });

  it.each([
    [['--steps', '0'], /--steps/],
    [['--steps', 'ten'], /--steps/],
    [['--image-size', '100'], /multiple of 32/],
    [['--optimizer', 'sgd'], /--optimizer/],
    [['--vgg-width', '2'], /--vgg-width/],
    [['--bogus', '1'], /unknown option --bogus/],
    [['--steps'], /--steps needs a value/],
    [['stray'], /unexpected argument "?'?stray/],
    [['--json=1'], /--json takes no value/],
    [['--checkpoint', 'x.ckpt', '--image-size', '64'], /architecture comes from the checkpoint/],
  ])('refuses %j', (argv, message) => {
    expect(() => parseOptions(argv)).toThrow(UsageError);
    expect(() => parseOptions(argv)).toThrow(message);
  });
});
