// A SavedModel directory (tensorflow/cc/saved_model/constants.h): saved_model.pb (binary SavedModel proto) or
// saved_model.pbtxt, variables/variables.index + variables.data-?????-of-????? (a V2 checkpoint under the prefix
// variables/variables), assets/ (files the graph names through AssetFileDefs), and from TF 2.9 fingerprint.pb.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { decodeMessage, parseText, tensorflow } from '@tensorgraft/proto';
import { DeployError } from '../errors.js';

export const SAVED_MODEL_PB = 'saved_model.pb';
export const SAVED_MODEL_PBTXT = 'saved_model.pbtxt';
export const VARIABLES_DIR = 'variables';
export const ASSETS_DIR = 'assets';
/** SavedModel.saved_model_schema_version: TensorFlow writes 1. */
export const SCHEMA_VERSION = 1;

/** The checkpoint prefix of a SavedModel's variables. */
export function variablesPrefix(dir: string): string {
  return join(dir, VARIABLES_DIR, 'variables');
}

/** Reads `dir/saved_model.pb` (or `.pbtxt`). */
export function readSavedModel(dir: string): tensorflow.SavedModel {
  const pb = join(dir, SAVED_MODEL_PB);
  const txt = join(dir, SAVED_MODEL_PBTXT);
  if (existsSync(pb)) {
    try {
      return decodeMessage(tensorflow.SavedModel, new Uint8Array(readFileSync(pb)), { path: pb });
    } catch (err) {
      throw new DeployError('BAD_FILE', `not a SavedModel: ${(err as Error).message}`, { path: pb, cause: err });
    }
  }
  if (existsSync(txt)) {
    try {
      return parseText(tensorflow.SavedModel, readFileSync(txt, 'utf8'), { path: txt });
    } catch (err) {
      throw new DeployError('BAD_FILE', `not a SavedModel: ${(err as Error).message}`, { path: txt, cause: err });
    }
  }
  throw new DeployError('NOT_FOUND', `no ${SAVED_MODEL_PB} or ${SAVED_MODEL_PBTXT}`, { path: dir });
}

/** The meta graph whose tags are exactly `tags` (any order), as the loaders pick it. */
export function findMetaGraph(
  model: tensorflow.SavedModel,
  tags: readonly string[],
  dir?: string,
): tensorflow.MetaGraphDef {
  const want = [...new Set(tags)].sort().join(',');
  const found = model.meta_graphs.find((m) => [...new Set(m.meta_info_def?.tags ?? [])].sort().join(',') === want);
  if (!found) {
    const have = model.meta_graphs.map((m) => `[${(m.meta_info_def?.tags ?? []).join(', ')}]`).join(' ');
    throw new DeployError('NOT_FOUND', `no meta graph with tags [${tags.join(', ')}]; the tag-sets are ${have}`, {
      path: dir,
    });
  }
  return found as tensorflow.MetaGraphDef;
}
