// `tensorgraft saved-model show DIR [--tags serve] [--json]` lists a SavedModel's tag-sets and signatures as
// `saved_model_cli show --all` does; `tensorgraft saved-model run DIR --signature KEY --input KEY=JSON ... [--tags T]
// [--json]` loads it (variables restored), runs one signature and prints its outputs. Input values are JSON arrays
// (nested, row-major), fed as the input placeholder's dtype.
import type { Command } from '../command.js';

// Its code (deploy, graph, TensorFlow.js) is loaded only when it runs, so `tensorgraft --help` starts fast.
export const savedModelCommand: Command = {
  name: 'saved-model',
  usage: 'saved-model show|run DIR [--tags TAG,...] [--signature KEY --input KEY=JSON ...] [--json]',
  summary: "list a SavedModel's tag-sets and signatures (as saved_model_cli show --all), or run one signature",
  valueOptions: ['--tags', '--signature', '--input'],
  optionHelp: {
    '--tags': 'the tag-set of the meta graph to load, comma-separated (default serve)',
    '--signature': 'run: the signature key (default serving_default)',
    '--input': 'run: KEY=JSON, an input value as a (nested) JSON array; repeatable',
  },
  run: async (ctx) => (await import('./saved-model-run.js')).run(ctx),
};
