/** Every way a mix, a restore, a save or a fine-tuning plan can fail; one code per failure kind. */
export type MixerErrorCode =
  | 'BAD_SPEC' // a model spec is incomplete or contradictory (no graph, both kinds of graph, bad scope name)
  | 'BAD_FILE' // a graph or meta graph that does not parse (the graph package's error is the cause)
  | 'DUPLICATE_SCOPE' // two models asked for one scope (and uniquify was off)
  | 'NAME_CLASH' // a model's nodes would collide with nodes already in the graph
  | 'UNMAPPED_INPUT' // a wiring key that names nothing in the model, a target missing from the graph, or a placeholder left unwired
  | 'BAD_WIRE' // a wire joins tensors of different dtypes or incompatible shapes
  | 'MISSING_IN_CHECKPOINT' // a variable's key is not in the model's checkpoint
  | 'CHECKPOINT_MISMATCH' // the checkpoint's tensor has another dtype or shape than the variable
  | 'NO_VALUE' // saving a variable that has neither a source checkpoint nor a session value
  | 'NOT_FOUND' // a scope or variable named in a plan is not in the mix
  | 'UNSUPPORTED' // a dtype or graph feature the mixer cannot carry
  | 'IO'; // reading a checkpoint or writing the output failed (the cause says why)

export interface MixerErrorDetails {
  /** The model (its scope, or the name given in its spec). */
  model?: string | undefined;
  /** The node or tensor concerned, in the model's own names or the mixed graph's (the message says which). */
  node?: string | undefined;
  /** The variable concerned (mixed graph name). */
  variable?: string | undefined;
  /** The file concerned. */
  path?: string | undefined;
  cause?: unknown;
}

/** The one error class of @tensorgraft/mixer. */
export class MixerError extends Error {
  override readonly name = 'MixerError';
  readonly code: MixerErrorCode;
  readonly model: string | undefined;
  readonly node: string | undefined;
  readonly variable: string | undefined;
  readonly path: string | undefined;

  constructor(code: MixerErrorCode, message: string, details: MixerErrorDetails = {}) {
    super(formatMessage(message, details), details.cause === undefined ? undefined : { cause: details.cause });
    this.code = code;
    this.model = details.model;
    this.node = details.node;
    this.variable = details.variable;
    this.path = details.path;
  }
}

function formatMessage(message: string, d: MixerErrorDetails): string {
  const where: string[] = [];
  if (d.model !== undefined) where.push(`model ${d.model}`);
  if (d.node !== undefined) where.push(`node ${d.node}`);
  if (d.variable !== undefined) where.push(`variable ${d.variable}`);
  if (d.path !== undefined) where.push(d.path);
  const cause = d.cause instanceof Error ? `: ${d.cause.message}` : '';
  return where.length ? `${message} (${where.join(', ')})${cause}` : `${message}${cause}`;
}
