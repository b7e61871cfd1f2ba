// Which checkpoint tensor each variable is restored from, and what does not fit. Pure: the Saver reads and assigns.
//
// Maps follow tf.train.init_from_checkpoint's assignment_map, checkpoint name -> variable name:
//   { 'vgg_16/': 'base/' }                every checkpoint tensor under vgg_16/ into the same path under base/
//   { 'vgg_16/fc8/weights': 'head/w' }    one tensor into one variable
//   { 'vgg_16/conv1/': ['a/', 'b/'] }     one checkpoint tensor into several variables
//   { '/': 'scope/' }                     the whole checkpoint under scope/
// With an object map only the variables it reaches are restored (the rest are reported as skipped); a function map
// returns the checkpoint key for a variable name, or undefined to skip it. Without a map every variable is restored
// from the tensor of its own name.

export type RestoreMap =
  | Readonly<Record<string, string | readonly string[]>>
  | ((variable: string) => string | null | undefined);

export interface TensorInfo {
  dtype: string;
  shape: number[];
}

export interface Mismatch {
  variable: string;
  key: string;
  expected: string;
  actual: string;
}

export interface RestorePlan {
  /** variable -> checkpoint key, for the variables that can be restored. */
  assignments: { variable: string; key: string }[];
  /** Variables whose key is not in the checkpoint. */
  missing: { variable: string; key: string }[];
  /** Checkpoint tensors that no variable reads. */
  unexpected: string[];
  shapeMismatch: Mismatch[];
  dtypeMismatch: Mismatch[];
  /** Variables the map does not reach (left as they are). */
  skipped: string[];
}

/** The checkpoint key for `variable` under `map`, or undefined when the map does not reach it. */
export function keyFor(variable: string, map: RestoreMap | undefined): string | undefined {
  if (map === undefined) return variable;
  if (typeof map === 'function') return map(variable) ?? undefined;
  let best: { key: string; len: number; exact: boolean } | undefined;
  for (const [ckpt, targets] of Object.entries(map)) {
    for (const target of typeof targets === 'string' ? [targets] : targets) {
      const scope = target === '/' ? '' : target;
      const from = ckpt === '/' ? '' : ckpt;
      if (target.endsWith('/') || target === '/') {
        if (variable.startsWith(scope) && (!best || (!best.exact && scope.length > best.len))) {
          best = { key: from + variable.slice(scope.length), len: scope.length, exact: false };
        }
      } else if (variable === target) {
        best = { key: from, len: target.length, exact: true };
      }
    }
  }
  return best?.key;
}

const sameShape = (a: readonly number[], b: readonly number[]) =>
  a.length === b.length && a.every((d, i) => d === b[i]);

/**
 * Matches `variables` (name -> dtype/shape) to `checkpoint` (key -> dtype/shape). `dtypeOk(ckptDType, variable)`
 * decides dtype compatibility (tfjs int32 variables take int64 tensors). `aliases` are other names of checkpoint
 * keys (object-based checkpoints: full names and object paths); the plan always names the real key.
 */
export function planRestore(
  variables: ReadonlyMap<string, TensorInfo>,
  checkpoint: ReadonlyMap<string, TensorInfo>,
  map: RestoreMap | undefined,
  dtypeOk: (checkpointDType: string, variable: string) => boolean,
  ignoreKeys: ReadonlySet<string> = new Set(),
  aliases: ReadonlyMap<string, string> = new Map(),
): RestorePlan {
  const plan: RestorePlan = {
    assignments: [],
    missing: [],
    unexpected: [],
    shapeMismatch: [],
    dtypeMismatch: [],
    skipped: [],
  };
  const used = new Set<string>();
  for (const [variable, info] of variables) {
    const wanted = keyFor(variable, map);
    if (wanted === undefined) {
      plan.skipped.push(variable);
      continue;
    }
    const key = checkpoint.has(wanted) ? wanted : (aliases.get(wanted) ?? wanted);
    const t = checkpoint.get(key);
    if (!t) {
      plan.missing.push({ variable, key });
      continue;
    }
    used.add(key);
    if (!dtypeOk(t.dtype, variable)) {
      plan.dtypeMismatch.push({ variable, key, expected: info.dtype, actual: t.dtype });
    } else if (!sameShape(t.shape, info.shape)) {
      plan.shapeMismatch.push({ variable, key, expected: JSON.stringify(info.shape), actual: JSON.stringify(t.shape) });
    } else {
      plan.assignments.push({ variable, key });
    }
  }
  for (const key of checkpoint.keys()) if (!used.has(key) && !ignoreKeys.has(key)) plan.unexpected.push(key);
  return plan;
}
