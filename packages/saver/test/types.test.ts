import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

describe('types', () => {
  it('the public API type-checks against TensorFlow.js’s own types (model.save, loadLayersModel, weights)', () => {
    const tsc = join(import.meta.dirname, '..', '..', '..', 'node_modules', '.bin', 'tsc');
    const file = join(import.meta.dirname, 'types', 'tfjs-compat.ts');
    const flags = [
      '--noEmit',
      '--strict',
      '--exactOptionalPropertyTypes',
      '--skipLibCheck',
      '--module',
      'NodeNext',
      '--moduleResolution',
      'NodeNext',
      '--target',
      'ES2022',
    ];
    const r = spawnSync(tsc, [...flags, file], { encoding: 'utf8' });
    expect(r.stdout + r.stderr).toBe('');
    expect(r.status).toBe(0);
  });
});
