// The save/restore subgraph tf.compat.v1.train.Saver builds (V2, not sharded), so a graph we export can be restored by
// TensorFlow's Saver and ours alike: save/Const (the prefix, fed), SaveV2 + save/control_dependency, one bulk
// RestoreV2 on the CPU, an Assign (ref) or Identity + AssignVariableOp (resource) per variable, save/restore_all.
import { DataType, tensorflow } from '@tensorgraft/proto';
import { attr, read } from './attrs.js';
import { GraphKeys } from './collections.js';
import { GraphError } from './errors.js';
import type { Graph, NodeDef } from './graph.js';
import { parseInput } from './names.js';
import { tensorProtoFrom } from './runtime/tensor-proto.js';

const out = (n: NodeDef, k = 0) => `${n.name}:${k}`;

export interface SaverGraphOptions {
  /** Scope name (made unique like Saver's `save`, `save_1`...). */
  name?: string;
  maxToKeep?: number;
  keepCheckpointEveryNHours?: number;
}

/** Adds the Saver's ops for every variable in the `variables` collection and returns the SaverDef. */
export function addSaverOps(graph: Graph, options: SaverGraphOptions = {}): tensorflow.SaverDef {
  const vars = graph
    .getCollection(GraphKeys.GLOBAL_VARIABLES)
    .flatMap((item) => (item.kind === 'variable' ? [item.def] : []))
    .map((def) => {
      const opName = parseInput(def.variable_name ?? '').node;
      const node = graph.requireNode(opName);
      const resource = node.op === 'VarHandleOp';
      const dtype = read.type(node, 'dtype');
      return { key: opName, node, resource, dtype, snapshot: def.snapshot_name ?? '' };
    })
    .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  if (!vars.length) throw new GraphError('INVALID_ARGUMENT', 'no variables to save');
  const str = DataType.DT_STRING;
  const strConst = (values: string[], shape: number[], name: string, device = '') => {
    const n = graph.createOp(
      'Const',
      [],
      { dtype: attr.type(str), value: attr.tensor(tensorProtoFrom(values, shape, str)) },
      name,
    );
    n.device = device;
    return n;
  };
  return graph.withNameScope(options.name ?? 'save', () => {
    const filename = graph.withNameScope('filename', (fs) => {
      const input = strConst(['model'], [], 'input');
      return graph.createOp(
        'PlaceholderWithDefault',
        [out(input)],
        { dtype: attr.type(str), shape: attr.shape([]) },
        fs,
      );
    });
    const prefix = graph.createOp(
      'PlaceholderWithDefault',
      [out(filename)],
      { dtype: attr.type(str), shape: attr.shape([]) },
      'Const',
    );
    const names = vars.map((v) => v.key);
    const save = graph.withNameScope('SaveV2', (ss) => {
      const tn = strConst(names, [names.length], 'tensor_names');
      const sl = strConst(
        names.map(() => ''),
        [names.length],
        'shape_and_slices',
      );
      return graph.createOp(
        'SaveV2',
        [out(prefix), out(tn), out(sl), ...vars.map((v) => (v.resource ? v.snapshot : `${v.key}`))],
        { dtypes: attr.listType(vars.map((v) => v.dtype)) },
        ss,
      );
    });
    const control = graph.withControlDependencies([save.name], () =>
      graph.createOp(
        'Identity',
        [out(prefix)],
        { T: attr.type(str), _class: attr.listS([`loc:@${prefix.name}`]) },
        'control_dependency',
      ),
    );
    const restore = graph.withNameScope('RestoreV2', (rs) => {
      const cpu = '/device:CPU:0';
      const tn = strConst(names, [names.length], 'tensor_names', cpu);
      const sl = strConst(
        names.map(() => ''),
        [names.length],
        'shape_and_slices',
        cpu,
      );
      const r = graph.createOp(
        'RestoreV2',
        [out(prefix), out(tn), out(sl)],
        { dtypes: attr.listType(vars.map((v) => v.dtype)) },
        rs,
      );
      r.device = cpu;
      return r;
    });
    const assigns = vars.map((v, k) => {
      if (v.resource) {
        const id = graph.createOp('Identity', [out(restore, k)], { T: attr.type(v.dtype) }, 'Identity');
        return graph.createOp(
          'AssignVariableOp',
          [`${v.key}`, out(id)],
          { dtype: attr.type(v.dtype), validate_shape: attr.b(false) },
          'AssignVariableOp',
        ).name;
      }
      return graph.createOp(
        'Assign',
        [v.key, out(restore, k)],
        {
          T: attr.type(v.dtype),
          _class: attr.listS([`loc:@${v.key}`]),
          use_locking: attr.b(true),
          validate_shape: attr.b(true),
        },
        'Assign',
      ).name;
    });
    const restoreAll = graph.withControlDependencies([...assigns].sort(), () =>
      graph.createOp('NoOp', [], {}, 'restore_all'),
    );
    return tensorflow.SaverDef.create({
      filename_tensor_name: out(prefix),
      save_tensor_name: out(control),
      restore_op_name: restoreAll.name,
      max_to_keep: options.maxToKeep ?? 5,
      sharded: false,
      keep_checkpoint_every_n_hours: options.keepCheckpointEveryNHours ?? 10000,
      version: tensorflow.SaverDef.CheckpointFormatVersion.V2,
    });
  });
}
