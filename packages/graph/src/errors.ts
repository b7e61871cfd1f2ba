import { escapeControls } from '@tensorgraft/proto';

/** Every way a graph, an import or a run can fail; one code per failure kind. */
export type GraphErrorCode =
  | 'BAD_FILE' // the bytes or text are not a GraphDef / MetaGraphDef
  | 'BAD_NAME' // a node name breaks TensorFlow's naming rule, or a tensor name cannot be parsed
  | 'DUPLICATE_NODE' // two nodes with one name
  | 'MISSING_INPUT' // an input names a node (or output) that does not exist
  | 'CYCLE' // the graph has a cycle outside a loop
  | 'BAD_ATTR' // an attr is missing, or has the wrong kind of value
  | 'UNKNOWN_DTYPE' // a dtype TensorFlow does not define, or the runtime cannot hold
  | 'UNSUPPORTED_OP' // an op type this runtime has no kernel for (named at plan time, before any kernel runs)
  | 'INPUT_MAP' // an inputMap key that was not used, or a control/data mix-up
  | 'NAME_COLLISION' // an imported name that TensorFlow would have silently renamed (strict mode)
  | 'NOT_FOUND' // a fetch, feed or return element that names nothing in the graph
  | 'FEED' // a fed value of the wrong dtype or shape
  | 'UNINITIALIZED' // a variable read before it was assigned
  | 'KERNEL' // a kernel failed (shape mismatch, bad value)
  | 'OUT_OF_MEMORY' // a run would take the live tensors past the session's memory budget
  | 'INVALID_ARGUMENT' // the caller passed something out of range
  | 'UNSUPPORTED' // a graph construct this operation does not handle (freezing a variable into a function call)
  | 'CHECKPOINT'; // a checkpoint lacks a variable, or holds it with another dtype or shape

export interface GraphErrorDetails {
  /** File the graph came from, when known. */
  path?: string | undefined;
  /** Node the failure is about. */
  node?: string | undefined;
  /** Byte offset in binary input. */
  offset?: number | undefined;
  cause?: unknown;
}

/** The one error class of @tensorgraft/graph. */
export class GraphError extends Error {
  override readonly name = 'GraphError';
  readonly code: GraphErrorCode;
  readonly path: string | undefined;
  readonly node: string | undefined;
  readonly offset: number | undefined;
  /** The message without the location (node, file, offset) appended to it. */
  readonly reason: string;

  constructor(code: GraphErrorCode, message: string, details: GraphErrorDetails = {}) {
    super(formatMessage(message, details), details.cause === undefined ? undefined : { cause: details.cause });
    this.reason = message;
    this.code = code;
    this.path = details.path;
    this.node = details.node;
    this.offset = details.offset;
  }
}

function formatMessage(message: string, d: GraphErrorDetails): string {
  const where: string[] = [];
  if (d.node !== undefined) where.push(`node ${d.node}`);
  if (d.path !== undefined) where.push(d.path);
  if (d.offset !== undefined) where.push(`offset ${d.offset}`);
  // One inert line whatever the input held (names and tokens may carry NULs and escape sequences).
  return escapeControls(where.length ? `${message} (${where.join(', ')})` : message);
}

/**
 * Runs `fn` (an import of a graph read from `path`); a GraphError raised without a file, deep in the import where only
 * the node is known, comes out naming the file too.
 */
export function namingFile<T>(path: string | undefined, fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    if (path === undefined || !(err instanceof GraphError) || err.path !== undefined) throw err;
    throw new GraphError(err.code, err.reason, { path, node: err.node, offset: err.offset, cause: err.cause });
  }
}
