// Registers the OpDefs of the ops gradient graphs and optimizers add, when the main list lacks them, so attrs get
// TensorFlow's defaults, output types are known and exported meta graphs list them in stripped_op_list.
import { decodeMessage, tensorflow } from '@tensorgraft/proto';
import { getOpDef, registerOpDef } from '../ops/op-registry.js';
import { GRADIENT_OP_DEFS_BASE64 } from './op-defs.generated.js';

let done = false;

export function registerGradientOpDefs(): void {
  if (done) return;
  done = true;
  for (const [name, b64] of Object.entries(GRADIENT_OP_DEFS_BASE64)) {
    if (getOpDef(name)) continue;
    registerOpDef(decodeMessage(tensorflow.OpDef, Buffer.from(b64, 'base64')));
  }
}
