// Where Keras 3 (TensorFlow backend) keeps a layer's weights in a tf.train.Checkpoint(model=...) object graph, for
// the weights of a TensorFlow.js LayersModel (whose weights are named `<layer>/<weight>` as in Keras):
//   functional model:  model/_operations/<i>/<attribute>              i = position in config.layers (inputs count)
//   Sequential:        model/_functional/_operations/<i + 1>/<attr>   (Keras puts its InputLayer first)
// Attributes are the Python attribute names, read from the pinned Keras: Dense and Conv1D/2D/3D keep `_kernel`,
// Embedding `_embeddings`, DepthwiseConv2D `kernel` (tfjs: depthwise_kernel), recurrent layers `cell/<weight>`;
// other layers use the weight's own name. Keras full names are `<layer>/<weight>` (functional) or
// `<model>/<layer>/<weight>` (Sequential), with the cell between for recurrent layers (`lstm/lstm_cell/kernel`).
import { SaverError } from './errors.js';

export interface KerasWeightPlace {
  /** Object path under the checkpoint root. */
  path: string;
  /** Keras 3's variable path (full_name). */
  fullName: string;
}

const UNDERSCORED: Record<string, string[]> = {
  Dense: ['kernel'],
  Conv1D: ['kernel'],
  Conv2D: ['kernel'],
  Conv3D: ['kernel'],
  Embedding: ['embeddings'],
};
const RENAMED: Record<string, Record<string, string>> = {
  DepthwiseConv2D: { depthwise_kernel: 'kernel' },
};
const CELLS: Record<string, string> = { LSTM: 'lstm_cell', GRU: 'gru_cell', SimpleRNN: 'simple_rnn_cell' };
const NESTED = new Set(['Bidirectional', 'TimeDistributed', 'Sequential', 'Model', 'Functional']);

interface LayerJson {
  class_name?: string;
  config?: { name?: string };
  name?: string;
}

interface TopologyJson {
  class_name?: string;
  config?: { name?: string; layers?: LayerJson[] } | LayerJson[];
  model_config?: TopologyJson;
}

/** Keras 3 places of the weights `names` (`<layer>/<weight>`) of the model described by `topology`. */
export function kerasWeightPlaces(
  topology: unknown,
  names: readonly string[],
  root = 'model',
): Map<string, KerasWeightPlace> {
  let topo = topology as TopologyJson;
  if (topo?.model_config) topo = topo.model_config;
  const cls = topo?.class_name;
  const cfg = topo?.config;
  const layers: LayerJson[] | undefined = Array.isArray(cfg) ? cfg : cfg?.layers;
  if (!layers || !cls) throw new SaverError('UNSUPPORTED', 'model topology without class_name and config.layers');
  const sequential = cls === 'Sequential';
  const modelName = Array.isArray(cfg) ? undefined : cfg?.name;
  const index = new Map<string, { i: number; cls: string }>();
  let i = sequential ? 1 : 0;
  for (const l of layers) {
    const lcls = l.class_name ?? '';
    if (sequential && lcls === 'InputLayer') continue;
    const name = l.config?.name ?? l.name;
    if (name !== undefined) index.set(name, { i, cls: lcls });
    i++;
  }
  const out = new Map<string, KerasWeightPlace>();
  for (const full of names) {
    const slash = full.indexOf('/');
    const layerName = full.slice(0, slash);
    const weight = full.slice(slash + 1);
    const layer = index.get(layerName);
    if (slash < 0 || !layer)
      throw new SaverError('UNSUPPORTED', 'weight of no top-level layer of the model', { variable: full });
    if (NESTED.has(layer.cls))
      throw new SaverError('UNSUPPORTED', `Keras layout of ${layer.cls} layers`, { variable: full });
    const base = sequential ? `${root}/_functional/_operations/${layer.i}` : `${root}/_operations/${layer.i}`;
    const fullPrefix = sequential && modelName ? `${modelName}/${layerName}` : layerName;
    const cell = CELLS[layer.cls];
    if (cell) {
      out.set(full, { path: `${base}/cell/${weight}`, fullName: `${fullPrefix}/${cell}/${weight}` });
      continue;
    }
    const kerasWeight = RENAMED[layer.cls]?.[weight] ?? weight;
    const attr = UNDERSCORED[layer.cls]?.includes(kerasWeight) ? `_${kerasWeight}` : kerasWeight;
    out.set(full, { path: `${base}/${attr}`, fullName: `${fullPrefix}/${kerasWeight}` });
  }
  return out;
}
