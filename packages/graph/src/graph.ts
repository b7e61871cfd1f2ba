// The Graph: nodes (TensorFlow NodeDefs, kept verbatim with unknown fields), TensorFlow's unique-name and name-scope
// rules, control-dependency and colocation contexts for the builder, typed collections and versions.
import { tensorflow } from '@tensorgraft/proto';
import type { AttrValue } from './attrs.js';
import type { CollectionItem } from './collections.js';
import { GraphError } from './errors.js';
import { checkNodeName, parseInput } from './names.js';
import { GRAPH_DEF_VERSION, GRAPH_DEF_VERSION_MIN_CONSUMER } from './ops/op-defs.generated.js';
import { addDefaultAttrs } from './ops/op-registry.js';

export type NodeDef = tensorflow.NodeDef;

export interface NodeSpec {
  name: string;
  op: string;
  inputs?: readonly string[];
  device?: string;
  attr?: Readonly<Record<string, AttrValue>>;
}

/** python/framework/ops.py: scope names may start with [A-Za-z0-9_.\-/>]; op names follow the node-name rule. */
const SCOPE_NAME = /^[A-Za-z0-9_.\\/>-]*$/;

export class Graph {
  private readonly byName = new Map<string, NodeDef>();
  private readonly order: NodeDef[] = [];
  /** Lower-cased name → next suffix, as Graph._names_in_use. */
  private readonly namesInUse = new Map<string, number>();
  private nameStack = '';
  private controlStack: string[][] = [];
  private colocationStack: string[] = [];
  private deviceStack: string[] = [];
  private createHooks: ((node: NodeDef) => void)[] = [];
  readonly collections = new Map<string, CollectionItem[]>();
  /** Collections present but empty in a loaded meta graph, with their (empty) CollectionDef kept as it was. */
  readonly emptyCollectionKinds = new Map<string, tensorflow.CollectionDef.$Properties>();
  versions: tensorflow.VersionDef.$Properties = {
    producer: GRAPH_DEF_VERSION,
    min_consumer: GRAPH_DEF_VERSION_MIN_CONSUMER,
  };
  /** FunctionDefLibrary, kept verbatim (functions are not run). */
  library: tensorflow.FunctionDefLibrary.$Properties | null = null;
  /** GraphDef fields this package does not model (debug_info, unknown fields), re-emitted on export. */
  extras: { debug_info?: tensorflow.GraphDebugInfo.$Properties | null; $unknowns?: Uint8Array[] } = {};
  /**
   * The MetaGraphDef parts a Graph does not model (meta_info_def, saver_def, signature_def, asset_file_def,
   * object_graph_def, unknown fields), kept by graphFromMetaGraph so metaGraphFromGraph can write them back.
   */
  meta: Omit<tensorflow.MetaGraphDef.$Properties, 'graph_def' | 'collection_def'> = {};
  /** Changes on every node add, so sessions can tell when their plans are stale. */
  version = 0;

  /** Every node in creation order. */
  get nodes(): readonly NodeDef[] {
    return this.order;
  }

  node(name: string): NodeDef | undefined {
    return this.byName.get(name);
  }

  hasNode(name: string): boolean {
    return this.byName.has(name);
  }

  /** The node, or NOT_FOUND. Accepts `name`, `name:k` and `^name`. */
  requireNode(name: string): NodeDef {
    const n = this.byName.get(parseInput(name).node);
    if (!n) throw new GraphError('NOT_FOUND', `no node named '${parseInput(name).node}' in the graph`, { node: name });
    return n;
  }

  /**
   * Adds a node under exactly `spec.name` (no scope, no uniquifying): the primitive that import and the builder use.
   * The name must be valid and unused.
   */
  addNode(spec: NodeSpec | NodeDef): NodeDef {
    const name = spec.name;
    checkNodeName(name);
    if (this.byName.has(name))
      throw new GraphError('DUPLICATE_NODE', `a node named '${name}' already exists`, { node: name });
    const node =
      spec instanceof tensorflow.NodeDef
        ? spec
        : tensorflow.NodeDef.create({
            name,
            op: spec.op,
            input: [...(spec.inputs ?? [])],
            device: spec.device ?? '',
            attr: { ...(spec.attr ?? {}) },
          });
    this.byName.set(name, node);
    this.order.push(node);
    // _create_op_from_tf_operation: a name made elsewhere is marked used once
    const key = name.toLowerCase();
    if (!this.namesInUse.has(key)) this.namesInUse.set(key, 1);
    this.version++;
    return node;
  }

  /**
   * Graph.unique_name: `name` under the current name scope, with `_1`, `_2`... appended while it is taken
   * (names compare lower-cased, like TensorFlow's).
   */
  uniqueName(name: string, markAsUsed = true): string {
    if (this.nameStack) name = `${this.nameStack}/${name}`;
    let nameKey = name.toLowerCase();
    let i = this.namesInUse.get(nameKey) ?? 0;
    if (markAsUsed) this.namesInUse.set(nameKey, i + 1);
    if (i > 0) {
      const baseKey = nameKey;
      while (this.namesInUse.has(nameKey)) {
        nameKey = `${baseKey}_${i}`;
        i++;
      }
      if (markAsUsed) this.namesInUse.set(nameKey, 1);
      name = `${name}_${i - 1}`;
    }
    return name;
  }

  /** The current name scope without the trailing `/` ('' at the root). */
  get nameScope(): string {
    return this.nameStack;
  }

  /**
   * Graph.name_scope: runs `fn` inside the scope and passes it the scope string (with trailing `/`). A name ending in
   * `/` is used as is; '' returns to the root; any other name is made unique under the current scope.
   */
  withNameScope<T>(name: string, fn: (scope: string) => T): T {
    if (name && !(this.nameStack ? SCOPE_NAME : /^[A-Za-z0-9.][A-Za-z0-9_.\\/>-]*$/).test(name)) {
      throw new GraphError('BAD_NAME', `'${name}' is not a valid scope name`);
    }
    const old = this.nameStack;
    let scope: string;
    if (!name) {
      this.nameStack = '';
      scope = '';
    } else if (name.endsWith('/')) {
      this.nameStack = name.slice(0, -1);
      scope = name;
    } else {
      this.nameStack = this.uniqueName(name);
      scope = `${this.nameStack}/`;
    }
    try {
      return fn(scope);
    } finally {
      this.nameStack = old;
    }
  }

  /** Graph.control_dependencies: ops created inside get `^dep` inputs (null clears the outer ones). */
  withControlDependencies<T>(deps: readonly string[] | null, fn: () => T): T {
    const old = this.controlStack;
    const names = (deps ?? []).map((d) => parseInput(d).node);
    // Graph.control_dependencies marks each op it is given (for TensorFlow's MLIR bridge statistics)
    for (const name of names)
      this.requireNode(name).attr._has_manual_control_dependencies = tensorflow.AttrValue.create({ b: true });
    this.controlStack = deps === null ? [] : [...old, names];
    try {
      return fn();
    } finally {
      this.controlStack = old;
    }
  }

  /** ops.colocate_with: ops created inside get `_class: [loc:@op]`. */
  withColocation<T>(op: string, fn: () => T): T {
    const target = this.requireNode(op);
    const cls = target.attr._class?.list?.s?.map((b) => new TextDecoder().decode(b)) ?? [`loc:@${target.name}`];
    const old = this.colocationStack;
    this.colocationStack = cls;
    try {
      return fn();
    } finally {
      this.colocationStack = old;
    }
  }

  /** ops.device: ops created inside get this device string. */
  withDevice<T>(device: string, fn: () => T): T {
    this.deviceStack.push(device);
    try {
      return fn();
    } finally {
      this.deviceStack.pop();
    }
  }

  /**
   * Creates an op the way Graph.create_op does: name made unique under the current scope (or, ending in `/`, taken as
   * the scope's own name), control dependencies, colocation and device from the enclosing contexts.
   */
  createOp(op: string, inputs: readonly string[], attr: Readonly<Record<string, AttrValue>>, name?: string): NodeDef {
    const full = name?.endsWith('/') ? name.slice(0, -1) : this.uniqueName(name ?? op);
    // `^dep` among the inputs joins the enclosing control dependencies
    const control = new Set(inputs.filter((i) => i.startsWith('^')).map((i) => i.slice(1)));
    inputs = inputs.filter((i) => !i.startsWith('^'));
    const dataNodes = new Set(inputs.map((i) => parseInput(i).node));
    for (const deps of this.controlStack) for (const d of deps) if (!dataNodes.has(d)) control.add(d);
    const a: Record<string, AttrValue> = { ...attr };
    if (this.colocationStack.length)
      a._class = tensorflow.AttrValue.create({
        list: { s: this.colocationStack.map((s) => new TextEncoder().encode(s)) },
      });
    const device = this.deviceStack.length ? this.deviceStack[this.deviceStack.length - 1]! : '';
    // GraphDefs list control inputs sorted by name (Graph::ToGraphDef)
    const controls = [...control].sort().map((c) => `^${c}`);
    const node = this.addNode({ name: full, op, inputs: [...inputs, ...controls], device, attr: a });
    // op_def_library writes every attr the OpDef has a default for
    addDefaultAttrs(node);
    for (const hook of this.createHooks) hook(node);
    return node;
  }

  /**
   * Runs `fn` with `hook` called on every op createOp makes (after it is added): how a control-flow context (a
   * while loop or cond being built) sees its ops, as TensorFlow's ControlFlowContext.AddOp does.
   */
  withCreateHook<T>(hook: (node: NodeDef) => void, fn: () => T): T {
    const old = this.createHooks;
    this.createHooks = [...old, hook];
    try {
      return fn();
    } finally {
      this.createHooks = old;
    }
  }

  addToCollection(key: string, item: CollectionItem): void {
    const list = this.collections.get(key);
    if (list) list.push(item);
    else this.collections.set(key, [item]);
  }

  getCollection(key: string): readonly CollectionItem[] {
    return this.collections.get(key) ?? [];
  }

  /** Every op type used, with node counts. */
  opTypes(): Map<string, number> {
    const m = new Map<string, number>();
    for (const n of this.order) m.set(n.op, (m.get(n.op) ?? 0) + 1);
    return m;
  }
}
