// `tensorgraft export MODEL.meta CHECKPOINT --format saved_model --signature 'NAME:key=tensor,...' ... -o DIR
// [--tags serve] [--asset FILE[=TENSOR]] [--json]`: a meta graph and its checkpoint (a mixed or fine-tuned model) as a
// SavedModel TensorFlow Serving and tf.saved_model.load read.
// `tensorgraft export MODEL [CHECKPOINT] --format graph_model [--signature ...] [--quantize uint8|uint16|float16]
// -o DIR`: a TensorFlow.js GraphModel (model.json + weight shards). MODEL is a meta graph (frozen with CHECKPOINT to
// the signature's outputs), a frozen GraphDef, or a SavedModel directory (TF1 or TF2; its serving_default signature,
// or the one --signature NAME names, or a key=tensor spec over its graph).
// In a signature, a key whose tensor a Placeholder makes is an input, any other an output; NAME defaults to
// serving_default.
import type { Command } from '../command.js';

// Its code (deploy, graph, TensorFlow.js) is loaded only when it runs, so `tensorgraft --help` starts fast.
export const exportCommand: Command = {
  name: 'export',
  usage:
    "export MODEL [CHECKPOINT] --format saved_model|graph_model --signature 'NAME:key=tensor,...' ... -o DIR [--tags serve] [--asset FILE[=TENSOR]] [--quantize uint8|uint16|float16] [--json]",
  summary:
    'write a model as a SavedModel (saved_model.pb, variables/, assets/) or a TensorFlow.js GraphModel (model.json + shards)',
  valueOptions: ['--format', '--signature', '-o', '--out', '--tags', '--asset', '--quantize'],
  optionHelp: {
    '--format': 'saved_model (saved_model.pb, variables/, assets/) or graph_model (TensorFlow.js model.json + shards)',
    '--signature':
      "'NAME:key=tensor,...': a signature; keys fed by a Placeholder are inputs, the rest outputs; repeatable",
    '-o': 'the output directory',
    '--out': 'same as -o',
    '--tags': 'the SavedModel tag-set, comma-separated (default serve)',
    '--asset': 'FILE[=TENSOR]: copy FILE into assets/ (and feed its path to TENSOR); repeatable',
    '--quantize': 'graph_model: store weights as uint8, uint16 or float16, as the tensorflowjs converter does',
  },
  run: async (ctx) => (await import('./export-run.js')).run(ctx),
};
