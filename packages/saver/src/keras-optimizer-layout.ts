// A tfjs optimizer's weights (model.save(handler, {includeOptimizer: true})) laid out as a Keras 3 optimizer is
// tracked in a TF2 object-based checkpoint, so tf.train.Checkpoint(model=..., optimizer=...) restores it:
//   optimizer/_iterations           int64 step count            (also optimizer/_variables/0)
//   optimizer/_learning_rate        float32                     (also optimizer/_variables/1)
//   optimizer/_trainable_variables/j  the model's j-th trainable variable (the same object as its model path)
//   optimizer/_variables/2+2j, 3+2j   Adam's momentum and velocity of that variable
// (read from what TensorFlow 2.21 / Keras 3 writes for tf.train.Checkpoint(model=m, optimizer=Adam).)
import type { Tensor } from '@tensorgraft/bundle-io';
import { SaverError } from './errors.js';
import type { ObjectEntry } from './object-graph-build.js';

export interface NamedTensor {
  name: string;
  tensor: Tensor;
}

interface TrainingConfigLike {
  optimizer_config?: { class_name?: string; config?: Record<string, unknown> };
}

/**
 * The object entries of the optimizer's weights, and aliases to add to the model's entries (trainable variables seen
 * from the optimizer). `modelWeights`: the model's weight names in order (tfjs `<layer>/<weight>`).
 */
export function kerasOptimizerEntries(
  optimizerWeights: readonly NamedTensor[],
  modelWeights: readonly string[],
  trainingConfig: unknown,
  root = 'optimizer',
): { entries: (ObjectEntry & { weight: string })[]; modelAliases: Map<string, string> } {
  const config = (trainingConfig as TrainingConfigLike | undefined)?.optimizer_config;
  const cls = config?.class_name;
  if (cls !== 'Adam') {
    throw new SaverError('UNSUPPORTED', `Keras checkpoint layout of the ${cls ?? 'unknown'} optimizer (Adam only)`, {
      variable: 'optimizer',
    });
  }
  const iter = optimizerWeights.find((w) => w.name === 'iter')?.tensor;
  if (!iter) throw new SaverError('INVALID_ARGUMENT', 'optimizer weights without iter', { variable: 'iter' });
  const lr = Number(config?.config?.learningRate ?? config?.config?.learning_rate);
  if (!Number.isFinite(lr)) {
    throw new SaverError('INVALID_ARGUMENT', 'the training config has no learning rate', { variable: 'learning_rate' });
  }
  // Keras counts iterations in int64
  const step = BigInt(Math.round(Number((iter.data as ArrayLike<number>)[0] ?? 0)));
  const entries: (ObjectEntry & { weight: string })[] = [
    {
      weight: 'iter',
      path: `${root}/_iterations`,
      aliases: [`${root}/_variables/0`],
      fullName: 'iteration',
      tensor: { dtype: 'int64', shape: [], data: BigInt64Array.of(step) },
    },
  ];
  const lrEntry: ObjectEntry & { weight: string } = {
    weight: '',
    path: `${root}/_learning_rate`,
    aliases: [`${root}/_variables/1`],
    fullName: 'learning_rate',
    tensor: { dtype: 'float32', shape: [], data: Float32Array.of(lr) },
  };
  entries.push(lrEntry);
  // tfjs' Adam keeps [iter, m of each trainable variable..., v of each...] in the model's trainable-weight order
  // (what it matches on setWeights, by position); a slot is named after the variable's unique tfjs name, which may
  // carry a `_<n>` suffix the weight's own name lacks (a second model with a layer of the same name)
  const ms = optimizerWeights.filter((w) => w.name.endsWith('/m'));
  const vs = optimizerWeights.filter((w) => w.name.endsWith('/v'));
  const sameVariable = (slot: string, weight: string) =>
    slot === weight || (slot.startsWith(`${weight}_`) && /^\d+$/.test(slot.slice(weight.length + 1)));
  const modelAliases = new Map<string, string>();
  let j = 0;
  for (const name of modelWeights) {
    const m = ms[j];
    const v = vs[j];
    if (!m || !v || !sameVariable(m.name.slice(0, -2), name) || !sameVariable(v.name.slice(0, -2), name)) continue;
    modelAliases.set(name, `${root}/_trainable_variables/${j}`);
    const stem = name.replaceAll('/', '_');
    entries.push(
      { weight: m.name, path: `${root}/_variables/${2 + 2 * j}`, fullName: `${stem}_momentum`, tensor: m.tensor },
      { weight: v.name, path: `${root}/_variables/${3 + 2 * j}`, fullName: `${stem}_velocity`, tensor: v.tensor },
    );
    j++;
  }
  const known = new Set(entries.map((e) => e.weight));
  const stray = optimizerWeights.find((w) => !known.has(w.name));
  if (stray) {
    throw new SaverError('UNSUPPORTED', 'optimizer weight of no trainable model weight', { variable: stray.name });
  }
  return { entries, modelAliases };
}
