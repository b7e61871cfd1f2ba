// The result of mix(): the merged Graph, what each model became in it, and the restore map.
import { canonicalTensor, type Graph, prependNameScope } from '@tensorgraft/graph';
import type { tensorflow } from '@tensorgraft/proto';
import { MixerError } from './errors.js';

/** Where one variable of the mixed graph gets its value. */
export interface RestoreEntry {
  /** Variable op name in the mixed graph (`backbone/vgg_16/conv1/conv1_1/weights`). */
  variable: string;
  /** The model it came from. */
  model: string;
  /** The model's checkpoint (as given). */
  checkpoint: string;
  /** Its key in that checkpoint (`vgg_16/conv1/conv1_1/weights`). */
  key: string;
  /** TensorFlow's dtype name and the checkpoint's shape. */
  dtype: string;
  shape: number[];
}

export interface MixedModel {
  name: string;
  /** Its scope in the mixed graph (no trailing `/`). */
  scope: string;
  /** Its variables (op names in the mixed graph), in collection order. */
  variables: string[];
  /** Its nodes in the mixed graph, in creation order. */
  nodes: string[];
  /** The wires used: the model's tensor -> mixed graph tensor. */
  wired: Record<string, string>;
  checkpoint?: string;
}

export class Mixed {
  readonly graph: Graph;
  readonly models: readonly MixedModel[];
  /** Mixed variable name -> where its value comes from (models with a checkpoint only). */
  readonly restoreMap: Map<string, RestoreEntry>;
  /** The Saver over every variable, added when first saved (save.ts), and how many variables it covers. */
  saverDef: tensorflow.SaverDef | undefined;
  saverVariableCount = 0;

  constructor(graph: Graph, models: MixedModel[], restoreMap: Map<string, RestoreEntry>) {
    this.graph = graph;
    this.models = models;
    this.restoreMap = restoreMap;
  }

  /** The model by name (or scope). */
  model(name: string): MixedModel {
    const m = this.models.find((x) => x.name === name) ?? this.models.find((x) => x.scope === name);
    if (!m) throw new MixerError('NOT_FOUND', `no model named '${name}' in the mix`, { model: name });
    return m;
  }

  /** A model's tensor (`probs:0`) or op by its own name, as named in the mixed graph (`head/probs:0`). */
  tensor(model: string, name: string): string {
    const m = this.model(model);
    const full = prependNameScope(name, m.scope);
    const node = full.replace(/:\d+$/, '');
    if (!this.graph.hasNode(node)) {
      throw new MixerError('NOT_FOUND', `model '${model}' has no node '${name}'`, { model, node: name });
    }
    return /:\d+$/.test(name) ? canonicalTensor(full) : full;
  }
}
