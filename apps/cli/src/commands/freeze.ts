// `tensorgraft freeze MODEL(.meta|.pb) CHECKPOINT --outputs NODE[,NODE...] -o OUT.pb [--strip-training]
// [--clear-devices] [--as-text] [--json]`: freeze_graph without Python. Every variable the outputs need becomes a
// Const holding its checkpoint value (TensorFlow's convert_variables_to_constants, byte for byte), the graph is cut
// to what the outputs need; --strip-training also runs remove_training_nodes (CheckNumerics, Identity splicing).
// `tensorgraft freeze SAVED_MODEL_DIR [--signature KEY] [--tags T] -o OUT.pb`: one signature of a SavedModel (TF1, or
// TF2 with its function calls inlined), frozen with its own variables.
import type { Command } from '../command.js';

// Its code (deploy, graph, TensorFlow.js) is loaded only when it runs, so `tensorgraft --help` starts fast.
export const freezeCommand: Command = {
  name: 'freeze',
  usage:
    'freeze MODEL.meta CHECKPOINT --outputs NODE[,NODE...] | SAVED_MODEL_DIR [--signature KEY] -o OUT.pb [--strip-training] [--clear-devices] [--as-text] [--json]',
  summary: "freeze a graph: variables become constants with the checkpoint's values (TensorFlow's freeze_graph)",
  valueOptions: ['--outputs', '-o', '--out', '--signature', '--tags'],
  flags: ['--strip-training', '--clear-devices', '--as-text'],
  optionHelp: {
    '--outputs': 'the output node names (comma-separated or repeated): the graph is cut to what they need',
    '-o': 'the frozen GraphDef file to write (replaced atomically)',
    '--out': 'same as -o',
    '--signature': 'with a SavedModel directory: the signature to freeze (default serving_default)',
    '--tags': 'with a SavedModel directory: the tag-set of its meta graph, comma-separated (default serve)',
    '--strip-training': "also run TensorFlow's remove_training_nodes (CheckNumerics, Identity chains)",
    '--clear-devices': "blank every node's device before freezing",
    '--as-text': 'write the GraphDef in text format (.pbtxt) instead of binary',
  },
  run: async (ctx) => (await import('./freeze-run.js')).run(ctx),
};
