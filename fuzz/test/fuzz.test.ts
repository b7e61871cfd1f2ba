// The fuzz sample that runs in `pnpm test`: 22,000 cases (2,000 per target) with a fixed seed, so a failure replays
// (`pnpm fuzz --target T --seed 20261204 --path P`). The nightly-style run is `pnpm fuzz` (1M cases).
import { describe, expect, it } from 'vitest';
import { fuzzTarget } from '../src/check.js';
import { allTargets } from '../src/targets.js';

const SEED = 20261204;
const targets = allTargets();

describe('fuzz sample (only typed errors, no hang, no huge allocation)', () => {
  it('covers every format tensorgraft reads', () => {
    expect(targets.map((t) => t.name)).toEqual([
      'bundle-index',
      'bundle-data',
      'v1-table',
      'safetensors',
      'tfrecord-events',
      'event-file-chunks',
      'graphdef-binary',
      'graphdef-text',
      'metagraph-binary',
      'metagraph-text',
      'state-file',
    ]);
    for (const t of targets) expect(t.seeds.length, t.name).toBeGreaterThan(0);
  });

  for (const t of targets) {
    it(`${t.name}: 2,000 cases`, () => {
      const r = fuzzTarget(t, { numRuns: 2000, seed: SEED });
      expect(r.error ?? '', `replay: pnpm fuzz --target ${t.name} --seed ${r.seed} --path ${r.path}`).toBe('');
      expect(r.numRuns).toBe(2000);
    });
  }
});
