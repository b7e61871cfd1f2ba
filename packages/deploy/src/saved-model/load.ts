// Loading a SavedModel to run it, as tf.compat.v1.saved_model.load does (loader_impl.py): pick the meta graph by its
// tag-set, build its graph, restore the variables by running the SaverDef's restore op with `variables/variables`
// fed to its filename tensor (TF1 builders: save/restore_all; TF2 tf.saved_model.save: a StatefulPartitionedCall of
// the restore function), then run the init op (the `__saved_model_init_op` signature, else the `saved_model_main_op`
// or `legacy_init_op` collection). A signature runs by feeding its input tensors and fetching its outputs.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type * as tf from '@tensorflow/tfjs-core';
import { type BackendName, type FeedValue, type Graph, graphFromMetaGraph, Session } from '@tensorgraft/graph';
import type { tensorflow } from '@tensorgraft/proto';
import { DeployError } from '../errors.js';
import { findMetaGraph, readSavedModel, VARIABLES_DIR, variablesPrefix } from './files.js';
import { type SignatureSummary, signatures } from './show.js';

export interface LoadSavedModelOptions {
  /** The tag-set to load (default ['serve']). */
  tags?: readonly string[];
  backend?: BackendName;
}

export interface LoadedSavedModel {
  dir: string;
  metaGraph: tensorflow.MetaGraphDef;
  graph: Graph;
  session: Session;
  signatures: SignatureSummary[];
  /** Runs a signature: inputs by signature key, outputs by signature key (the caller disposes them). */
  run(signatureKey: string, inputs: Readonly<Record<string, FeedValue>>): Promise<Record<string, tf.Tensor>>;
  close(): void;
}

const INIT_OP_SIGNATURE = '__saved_model_init_op';

export async function loadSavedModel(dir: string, options: LoadSavedModelOptions = {}): Promise<LoadedSavedModel> {
  const model = readSavedModel(dir);
  const meta = findMetaGraph(model, options.tags ?? ['serve'], dir);
  const graph = graphFromMetaGraph(meta, { path: join(dir, 'saved_model.pb') });
  const session = new Session(graph, options.backend === undefined ? {} : { backend: options.backend });
  try {
    const saver = meta.saver_def;
    if (saver?.restore_op_name && existsSync(join(dir, VARIABLES_DIR, 'variables.index'))) {
      await session.run(saver.restore_op_name, { [saver.filename_tensor_name ?? '']: variablesPrefix(dir) });
    }
    const init = initOp(meta);
    if (init) await session.run(init);
  } catch (err) {
    session.close();
    throw err;
  }
  const sigs = signatures(meta);
  return {
    dir,
    metaGraph: meta,
    graph,
    session,
    signatures: sigs,
    async run(signatureKey, inputs) {
      const sig = sigs.find((s) => s.key === signatureKey);
      if (!sig) {
        throw new DeployError(
          'NOT_FOUND',
          `no signature '${signatureKey}'; the signatures are ${sigs.map((s) => s.key).join(', ')}`,
          { path: dir, name: signatureKey },
        );
      }
      const feeds: Record<string, FeedValue> = {};
      for (const key of Object.keys(inputs)) {
        const info = sig.inputs[key];
        if (!info) {
          throw new DeployError('INVALID_ARGUMENT', `signature '${signatureKey}' has no input '${key}'`, { name: key });
        }
        feeds[info.name] = inputs[key]!;
      }
      for (const key of Object.keys(sig.inputs)) {
        if (!(key in inputs)) {
          throw new DeployError('INVALID_ARGUMENT', `signature '${signatureKey}' needs input '${key}'`, { name: key });
        }
      }
      const keys = Object.keys(sig.outputs);
      const results = await session.run(
        keys.map((k) => sig.outputs[k]!.name),
        feeds,
      );
      return Object.fromEntries(keys.map((k, i) => [k, results[i] as tf.Tensor]));
    },
    close() {
      session.close();
    },
  };
}

function initOp(meta: tensorflow.MetaGraphDef): string | undefined {
  const sig = meta.signature_def?.[INIT_OP_SIGNATURE];
  const fromSig = sig?.outputs?.[INIT_OP_SIGNATURE]?.name;
  if (fromSig) return fromSig;
  for (const key of ['saved_model_main_op', 'legacy_init_op']) {
    const op = meta.collection_def?.[key]?.node_list?.value?.[0];
    if (op) return op;
  }
  return undefined;
}
