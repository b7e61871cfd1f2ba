// Typed collections, as tf.compat.v1 graphs hold them and MetaGraphDef.collection_def stores them.
import type { tensorflow } from '@tensorgraft/proto';
import type Long from 'long';

export type CollectionItem =
  /** An op name (`train`) or a tensor name (`y:0`): CollectionDef.node_list. */
  | { kind: 'node'; name: string }
  | { kind: 'bytes'; value: Uint8Array }
  | { kind: 'int64'; value: Long }
  | { kind: 'float'; value: number }
  | { kind: 'any'; value: { type_url?: string | null; value?: Uint8Array | null } }
  /** A variable: stored as a serialized VariableDef in a bytes_list. */
  | { kind: 'variable'; def: tensorflow.VariableDef.$Properties }
  /** A saver: stored as a serialized SaverDef in a bytes_list. */
  | { kind: 'saver'; def: tensorflow.SaverDef.$Properties };

/** ops.GraphKeys whose bytes_list holds VariableDefs (register_proto_function in variables.py / meta_graph.py). */
export const VARIABLE_COLLECTIONS: ReadonlySet<string> = new Set([
  'variables',
  'trainable_variables',
  'local_variables',
  'model_variables',
  'moving_average_variables',
  'global_step',
  'metric_variables',
]);

export const GraphKeys = {
  GLOBAL_VARIABLES: 'variables',
  TRAINABLE_VARIABLES: 'trainable_variables',
  LOCAL_VARIABLES: 'local_variables',
  GLOBAL_STEP: 'global_step',
  SAVERS: 'savers',
  TRAIN_OP: 'train_op',
  UPDATE_OPS: 'update_ops',
  SUMMARIES: 'summaries',
} as const;
