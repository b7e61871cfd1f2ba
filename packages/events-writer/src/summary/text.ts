// Text, the TF2 form (tensorboard/plugins/text/summary_v2.py):
//   Summary.Value {tag, tensor: DT_STRING scalar (one string) or vector (a list, shown as a table), metadata: plugin
//                  "text" (TextPluginData version 0: empty content)}. TensorBoard renders the strings as Markdown.
import type { tensorflow } from '@tensorgraft/proto';
import { EventsError } from '../errors.js';
import { pluginMetadata } from './plugin-metadata.js';
import { isWellFormed } from './tag.js';
import { stringTensor } from './tensors.js';

const encoder = new TextEncoder();

export function textValue(tag: string, text: string | readonly string[]): tensorflow.Summary.Value.$Properties {
  const list = typeof text === 'string' ? [text] : text;
  if (!Array.isArray(list))
    throw new EventsError('INVALID_VALUE', 'text must be a string or an array of strings', { tag });
  const elements = list.map((s, i) => {
    if (typeof s !== 'string')
      throw new EventsError('INVALID_VALUE', `text[${i}] is ${typeof s}, not a string`, { tag });
    if (!isWellFormed(s))
      throw new EventsError('INVALID_VALUE', `text[${i}] has a lone surrogate (no UTF-8 form)`, { tag });
    return encoder.encode(s);
  });
  return { tag, tensor: stringTensor(elements, typeof text === 'string' ? 0 : 1), metadata: pluginMetadata('text') };
}
