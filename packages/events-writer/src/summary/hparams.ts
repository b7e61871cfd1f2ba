// Hyperparameters, as tensorboard/plugins/hparams/summary_v2.py writes them, in the run itself (not a subdirectory):
//   "_hparams_/experiment":         HParamsPluginData {experiment {hparam_infos {name, type}, metric_infos {name {tag}}}}
//   "_hparams_/session_start_info": HParamsPluginData {session_start_info {hparams {name: Value}, group_name,
//                                                       start_time_secs}}
// each as Summary.Value {tag, tensor: float32 [0] placeholder, metadata: plugin "hparams", content = that message}.
// The metric values themselves are ordinary scalars under the metric tags, which the writer adds at the step given.
import { createHash } from 'node:crypto';
import { encodeMessage, tensorboard, type tensorflow } from '@tensorgraft/proto';
import { EventsError } from '../errors.js';
import { pluginMetadata } from './plugin-metadata.js';
import { checkTag, isWellFormed } from './tag.js';
import { nullTensor } from './tensors.js';

export const EXPERIMENT_TAG = '_hparams_/experiment';
export const SESSION_START_INFO_TAG = '_hparams_/session_start_info';

export type HParamValue = number | string | boolean;

// tensorboard.hparams.DataType
const DATA_TYPE_STRING = 1;
const DATA_TYPE_BOOL = 2;
const DATA_TYPE_FLOAT64 = 3;

export interface HParamsSummaryOptions {
  /** Sessions with the same group name are one group in the hparams dashboard (default: a hash of the values). */
  groupName?: string;
  /** Start time in seconds since the epoch. */
  startTimeSecs: number;
}

export function hparamsValues(
  hparams: Readonly<Record<string, HParamValue>>,
  metricTags: readonly string[],
  options: HParamsSummaryOptions,
): tensorflow.Summary.Value.$Properties[] {
  if (hparams === null || typeof hparams !== 'object' || Array.isArray(hparams)) {
    throw new EventsError('INVALID_VALUE', 'hparams must be an object of name: number | string | boolean');
  }
  const names = Object.keys(hparams).sort();
  if (names.length === 0) throw new EventsError('INVALID_VALUE', 'hparams must name at least one hyperparameter');
  // google.protobuf.Value is protobufjs's built-in well-known type: camelCase fields.
  const values: Record<string, { numberValue?: number; stringValue?: string; boolValue?: boolean }> = {};
  const infos: { name: string; type: number }[] = [];
  for (const name of names) {
    checkTag(name);
    const v = hparams[name];
    if (typeof v === 'number') {
      values[name] = { numberValue: v };
      infos.push({ name, type: DATA_TYPE_FLOAT64 });
    } else if (typeof v === 'string') {
      if (!isWellFormed(v))
        throw new EventsError('INVALID_VALUE', `hparam ${name} has a lone surrogate`, { tag: name });
      values[name] = { stringValue: v };
      infos.push({ name, type: DATA_TYPE_STRING });
    } else if (typeof v === 'boolean') {
      values[name] = { boolValue: v };
      infos.push({ name, type: DATA_TYPE_BOOL });
    } else {
      throw new EventsError(
        'INVALID_VALUE',
        `hparam ${name} is ${typeof v}; only number, string and boolean are supported`,
        {
          tag: name,
        },
      );
    }
  }
  const groupName = options.groupName ?? defaultGroupName(hparams, names);
  const experiment = encodeMessage(tensorboard.hparams.HParamsPluginData, {
    experiment: {
      hparam_infos: infos,
      metric_infos: metricTags.map((tag) => ({ name: { tag } })),
      time_created_secs: options.startTimeSecs,
    },
  });
  const sessionStart = encodeMessage(tensorboard.hparams.HParamsPluginData, {
    session_start_info: { hparams: values, group_name: groupName, start_time_secs: options.startTimeSecs },
  });
  return [
    { tag: EXPERIMENT_TAG, tensor: nullTensor(), metadata: pluginMetadata('hparams', experiment) },
    { tag: SESSION_START_INFO_TAG, tensor: nullTensor(), metadata: pluginMetadata('hparams', sessionStart) },
  ];
}

// Like TensorBoard's _derive_session_group_name: a SHA-256 of the values as JSON with sorted keys.
function defaultGroupName(hparams: Readonly<Record<string, HParamValue>>, names: string[]): string {
  const sorted: Record<string, HParamValue> = {};
  for (const n of names) sorted[n] = hparams[n]!;
  return createHash('sha256').update(JSON.stringify(sorted)).digest('hex');
}
