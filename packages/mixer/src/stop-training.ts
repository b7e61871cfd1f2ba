// stopTraining(): a fine-tuning plan (formerly `freeze`, renamed so it is not read as TensorFlow's freeze_graph,
// which turns variables into constants: that is @tensorgraft/graph's freezeGraph). The chosen variables leave `trainable_variables` (so minimize() does not update them),
// and, for frozen scopes, a StopGradient is put on every float tensor that flows out of a frozen scope into the rest
// of the graph (so no gradient is even computed through the frozen part: TensorFlow's tf.stop_gradient boundary).
// The StopGradient goes in the consumer's top-level scope (`head/stop_gradient`), shared by every consumer there.
import { attr, type Graph, outputTypes, parseInput } from '@tensorgraft/graph';
import { DataType } from '@tensorgraft/proto';
import { MixerError } from './errors.js';
import type { Mixed } from './mixed.js';
import { globalVariables, markNotTrainable, trainableVariables } from './trainable.js';

export interface StopTrainingOptions {
  /** Scopes of the mixed graph (a model's scope, or deeper: `backbone/vgg_16/conv1`) whose variables are frozen. */
  scopes?: readonly string[];
  /** Single variables (op names in the mixed graph) to freeze. */
  variables?: readonly string[];
  /** Put StopGradient on the tensors leaving the frozen scopes (default true). */
  stopGradients?: boolean;
}

export interface StopGradientBoundary {
  /** The tensor leaving a frozen scope. */
  tensor: string;
  /** The StopGradient op put after it. */
  stopGradient: string;
  /** The ops that now read the StopGradient instead. */
  consumers: string[];
}

export interface FineTuningPlan {
  /** Variables now frozen (sorted). */
  frozen: string[];
  /** Variables still trainable. */
  trainable: string[];
  boundaries: StopGradientBoundary[];
}

const FLOATS = new Set<number>([DataType.DT_FLOAT, DataType.DT_DOUBLE, DataType.DT_HALF, DataType.DT_BFLOAT16]);

export function stopTraining(mixed: Mixed, options: StopTrainingOptions): FineTuningPlan {
  const graph = mixed.graph;
  const vars = globalVariables(graph);
  const scopes = (options.scopes ?? []).map((s) => s.replace(/\/+$/, ''));
  const inScope = (name: string) => scopes.some((s) => name === s || name.startsWith(`${s}/`));
  for (const s of scopes) {
    if (!graph.nodes.some((n) => n.name === s || n.name.startsWith(`${s}/`))) {
      throw new MixerError('NOT_FOUND', `no node of the mixed graph is under scope '${s}'`, { node: s });
    }
  }
  const chosen = new Set<string>();
  for (const name of vars.keys()) if (inScope(name)) chosen.add(name);
  for (const v of options.variables ?? []) {
    if (!vars.has(v)) throw new MixerError('NOT_FOUND', 'not a variable of the mixed graph', { variable: v });
    chosen.add(v);
  }
  markNotTrainable(graph, chosen);
  const boundaries = options.stopGradients === false || !scopes.length ? [] : addBoundaries(graph, inScope);
  const trainable = trainableVariables(graph);
  const trainableSet = new Set(trainable);
  return {
    frozen: [...vars.keys()].filter((v) => !trainableSet.has(v)).sort(),
    trainable,
    boundaries,
  };
}

function addBoundaries(graph: Graph, inFrozen: (name: string) => boolean): StopGradientBoundary[] {
  const found = new Map<string, StopGradientBoundary>();
  // the nodes are fixed first: the StopGradients added below are not themselves consumers to rewrite
  for (const node of [...graph.nodes]) {
    if (inFrozen(node.name) || node.op === 'StopGradient') continue;
    node.input.forEach((input, i) => {
      if (input.startsWith('^')) return;
      const ref = parseInput(input);
      if (!inFrozen(ref.node)) return;
      const producer = graph.requireNode(ref.node);
      const dtype = outputTypes(producer)?.[ref.index];
      if (dtype === undefined || !FLOATS.has(dtype)) return; // refs (>100), resources, ints: not differentiable
      const top = node.name.includes('/') ? node.name.slice(0, node.name.indexOf('/')) : '';
      const key = `${top}\u0000${ref.node}:${ref.index}`;
      let b = found.get(key);
      if (!b) {
        const sg = graph.withNameScope(top ? `${top}/` : '', () =>
          graph.withControlDependencies(null, () =>
            graph.createOp('StopGradient', [input], { T: attr.type(dtype) }, 'stop_gradient'),
          ),
        );
        b = { tensor: `${ref.node}:${ref.index}`, stopGradient: sg.name, consumers: [] };
        found.set(key, b);
      }
      node.input[i] = b.stopGradient;
      b.consumers.push(node.name);
    });
  }
  if (found.size) graph.version++;
  return [...found.values()];
}

/** @deprecated Renamed to {@link StopTrainingOptions}. */
export type FreezeOptions = StopTrainingOptions;
/** @deprecated Renamed to {@link FineTuningPlan}. */
export type FreezePlan = FineTuningPlan;
/**
 * @deprecated Renamed to {@link stopTraining}: this is a fine-tuning plan (not trainable + stop-gradient), not
 * TensorFlow's freeze_graph (for that, see @tensorgraft/graph's freezeGraph).
 */
export const freeze: (mixed: Mixed, options: StopTrainingOptions) => FineTuningPlan = stopTraining;
