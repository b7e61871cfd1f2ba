import type { NodeDef } from '@tensorgraft/graph';
import { printText, tensorflow } from '@tensorgraft/proto';

/** Every attr of a node in text format (TensorFlow's layout), by name: what the fixtures record from TensorFlow. */
export function attrTexts(n: NodeDef): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k of Object.keys(n.attr).sort())
    out[k] = printText(tensorflow.AttrValue, tensorflow.AttrValue.create(n.attr[k]!));
  return out;
}
