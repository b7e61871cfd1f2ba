// The demo's loss format is C's %.3g: the expected strings come from Python's printf-style formatting.
import { spawnSync } from 'node:child_process';
import { formatG } from '@tensorgraft/demo';
import { describe, expect, it } from 'vitest';

const VALUES = [
  0, 1, -1, 0.5, 1.23456, 12.3456, 123.456, 1234.56, 0.001234, 0.0001234, 1.2e-5, 5e-8, 2.5e7, 0.1, 99.95, 999.5,
];

describe('formatG', () => {
  it("matches Python's '%.3g' for every value", () => {
    const r = spawnSync(
      'python3',
      ['-c', `import json,sys; print(json.dumps(['%.3g' % v for v in ${JSON.stringify(VALUES)}]))`],
      {
        encoding: 'utf8',
      },
    );
    expect(r.status).toBe(0);
    expect(VALUES.map((v) => formatG(v, 3))).toEqual(JSON.parse(r.stdout));
  });
});
