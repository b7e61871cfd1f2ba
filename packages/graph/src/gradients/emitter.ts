// Adds ops to a Graph the way TensorFlow's Python op wrappers do, for gradient functions and optimizers:
// `op(type, inputs, attrs, name)` opens a unique name scope (the given name or the op type), converts literal inputs
// to Consts named after the OpDef's input argument inside it (`Reshape/shape`), fills the type attrs from the input
// dtypes (as _apply_op_helper does) and names the op after the scope. Control dependencies follow
// Graph.control_dependencies, including its pruning: an op with a data input made inside the same block gets no
// control input from that block. Static shapes come from inferOutputShapes, recomputed when the graph has changed.
import { baseDType, DataType, type tensorflow } from '@tensorgraft/proto';
import { type AttrValue, attr, read, type ShapeLike, shapeFromProto, toNumber } from '../attrs.js';
import { GraphError } from '../errors.js';
import type { Graph, NodeDef } from '../graph.js';
import { parseInput } from '../names.js';
import { getOpDef, outputTypes } from '../ops/op-registry.js';
import { tensorProtoFrom } from '../runtime/tensor-proto.js';
import { inferOutputShapes } from '../shape-inference.js';
import type { ControlFlowState } from './control-flow-state.js';
import { canonical, output } from './node-io.js';

/** A literal input: converted to a Const (int32 unless `dtype` says otherwise, float if it must match a float). */
export interface Literal {
  value: number | readonly number[];
  dtype?: number;
  shape?: readonly number[];
}
export type Arg = string | Literal;

/** TensorShape.merge_with, leniently: known dims fill unknown ones; on a conflict the first wins. */
function merge(a: ShapeLike, b: ShapeLike): ShapeLike {
  if (a === null) return b;
  if (b === null || a.length !== b.length) return a;
  return a.map((d, i) => (d >= 0 ? d : b[i]!));
}

interface ControlBlock {
  deps: string[];
  created: Set<string>;
}

export class Emitter {
  readonly graph: Graph;
  /**
   * The control-flow contexts gradients() works in (set when the graph has recorded loops or conds).
   * @internal gradients()' own bookkeeping, not for gradient functions
   */
  flow: ControlFlowState | undefined;
  private shapes: Map<string, ShapeLike[]> | undefined;
  private shapesVersion = -1;
  private readonly blocks: ControlBlock[] = [];

  /** Tensor.set_shape: static shapes known from elsewhere (a gradient has its forward tensor's shape). */
  private readonly known = new Map<string, ShapeLike>();

  constructor(graph: Graph) {
    this.graph = graph;
  }

  /** Tensor.set_shape: merges `shape` into what is known of `t`. */
  setShape(t: string, shape: ShapeLike): void {
    if (shape === null) return;
    this.known.set(canonical(t), merge(this.known.get(canonical(t)) ?? null, shape));
  }

  // ---- facts about tensors ----

  /** The base dtype of a tensor (ref types lose their ref bit). */
  dtype(t: string): number {
    const ref = parseInput(t);
    const node = this.graph.requireNode(ref.node);
    const d = outputTypes(node)?.[ref.index];
    if (d === undefined)
      throw new GraphError('INVALID_ARGUMENT', `cannot tell the dtype of '${t}' (op ${node.op})`, { node: node.name });
    return baseDType(d);
  }

  /** Static shape (dims -1 where unknown), or null for an unknown rank. */
  shape(t: string): ShapeLike {
    const ref = parseInput(t);
    // TensorFlow's own static shapes, when the graph came from an export with `_output_shapes`
    const recorded = this.graph.node(ref.node)?.attr._output_shapes?.list?.shape?.[ref.index];
    if (recorded && !recorded.unknown_rank) return shapeFromProto(recorded);
    const node = this.graph.node(ref.node);
    // shape ops: their output is as long as their input's rank (the shared inference sees no `_output_shapes`)
    if (node && (node.op === 'Shape' || node.op === 'ShapeN')) {
      const x = this.shape(node.input.filter((i) => !i.startsWith('^'))[ref.index]!);
      return [x ? x.length : -1];
    }
    if (node && (node.op === 'Size' || node.op === 'Rank')) return [];
    if (node?.op === 'AddN') {
      // every input has the output's shape: merge what is known of each (gradients carry set shapes)
      let m: ShapeLike = null;
      for (const i of node.input) if (!i.startsWith('^')) m = merge(m, this.shape(i));
      const set = this.known.get(`${ref.node}:${ref.index}`);
      return set ? merge(m, set) : m;
    }
    if (node?.op === 'StridedSlice') {
      // a slice of a vector with constant bounds (Python's shape[:-1] and the like)
      const [x, b, e, st] = node.input.filter((i) => !i.startsWith('^'));
      const xs = this.shape(x!);
      const [bv, ev, sv] = [this.constInts(b!), this.constInts(e!), this.constInts(st!)];
      const mask = (k: string) => Number(node.attr[k]?.i ?? 0);
      if (xs?.length === 1 && xs[0]! >= 0 && bv?.length === 1 && ev?.length === 1 && sv?.[0] === 1) {
        if (mask('ellipsis_mask') === 0 && mask('new_axis_mask') === 0) {
          if (mask('shrink_axis_mask') & 1) return [];
          const n = xs[0]!;
          const clamp = (v: number) => Math.min(Math.max(v < 0 ? v + n : v, 0), n);
          const lo = mask('begin_mask') & 1 ? 0 : clamp(bv[0]!);
          const hi = mask('end_mask') & 1 ? n : clamp(ev[0]!);
          return [Math.max(hi - lo, 0)];
        }
      }
    }
    if (node?.op === 'GatherV2') {
      const [params, indices, axis] = node.input.filter((i) => !i.startsWith('^'));
      const p = this.shape(params!);
      const i = this.shape(indices!);
      const a = this.constInts(axis!);
      if (p && i && a?.length === 1 && !(node.attr.batch_dims?.i && Number(node.attr.batch_dims.i) !== 0)) {
        const ax = a[0]! < 0 ? a[0]! + p.length : a[0]!;
        return [...p.slice(0, ax), ...i, ...p.slice(ax + 1)];
      }
    }
    if (node && (node.op === 'SoftmaxCrossEntropyWithLogits' || node.op === 'SparseSoftmaxCrossEntropyWithLogits')) {
      const logits = this.shape(node.input.filter((i) => !i.startsWith('^'))[0]!);
      if (logits?.length === 2) return ref.index === 0 ? [logits[0]!] : logits;
    }
    const inferred = this.inferred(ref.node, ref.index);
    const set = this.known.get(`${ref.node}:${ref.index}`);
    return set ? merge(inferred, set) : inferred;
  }

  private inferred(node: string, index: number): ShapeLike {
    const ref = { node, index };
    if (!this.shapes || (this.shapesVersion !== this.graph.version && !this.shapes.has(ref.node))) {
      this.shapes = inferOutputShapes(this.graph);
      this.shapesVersion = this.graph.version;
    }
    return this.shapes.get(ref.node)?.[ref.index] ?? null;
  }

  fullyDefined(t: string): readonly number[] | null {
    const s = this.shape(t);
    return s?.every((d) => d >= 0) ? s : null;
  }

  node(t: string): NodeDef {
    return this.graph.requireNode(t);
  }

  /** tensor_util.constant_value for int Consts (axes, shapes); undefined when not a Const. */
  constInts(t: string): number[] | undefined {
    const n = this.graph.node(parseInput(t).node);
    if (n?.op !== 'Const') return undefined;
    const p = read.tensor(n, 'value');
    const dims = (p.tensor_shape?.dim ?? []).map((d) => toNumber(d.size));
    const count = dims.reduce((a, b) => a * b, 1);
    let vals: number[] | undefined;
    if (p.tensor_content?.length) {
      const b = p.tensor_content;
      const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
      vals = [];
      if (p.dtype === DataType.DT_INT32) for (let i = 0; i + 4 <= b.length; i += 4) vals.push(dv.getInt32(i, true));
      else if (p.dtype === DataType.DT_INT64)
        for (let i = 0; i + 8 <= b.length; i += 8) vals.push(Number(dv.getBigInt64(i, true)));
      else return undefined;
    } else if (p.int_val?.length) vals = [...p.int_val];
    else if (p.int64_val?.length) vals = p.int64_val.map(toNumber);
    else if (count === 0) vals = [];
    if (!vals) return undefined;
    // a splat (one value for many) expands
    if (vals.length === 1 && count > 1) vals = new Array<number>(count).fill(vals[0]!);
    return vals;
  }

  // ---- contexts ----

  scope<T>(name: string, fn: (scope: string) => T): T {
    return this.graph.withNameScope(name, fn);
  }

  /** Graph.control_dependencies (null clears the outer ones, as control_dependencies(None)). */
  controlDependencies<T>(deps: readonly string[] | null, fn: () => T): T {
    const saved = this.blocks.splice(0, deps === null ? this.blocks.length : 0);
    const names = (deps ?? []).map((d) => parseInput(d).node);
    for (const n of names)
      this.graph.requireNode(n).attr._has_manual_control_dependencies = attr.b(true) as tensorflow.AttrValue;
    if (deps !== null) this.blocks.push({ deps: names, created: new Set() });
    try {
      return fn();
    } finally {
      if (deps !== null) this.blocks.pop();
      this.blocks.unshift(...saved);
    }
  }

  colocate<T>(op: string, fn: () => T): T {
    return this.graph.withColocation(parseInput(op).node, fn);
  }

  // ---- creating ops ----

  /** Graph.create_op with this emitter's control dependencies; `name` ending in `/` is taken as is. */
  create(type: string, inputs: readonly string[], attrs: Readonly<Record<string, AttrValue>>, name?: string): NodeDef {
    // the control inputs go in with the op, so a control-flow context adding it sees them (as TensorFlow's AddOp does)
    const dataNodes = inputs.map((i) => parseInput(i).node);
    const control = new Set<string>();
    for (const b of this.blocks) {
      if (dataNodes.some((d) => b.created.has(d))) continue;
      for (const d of b.deps) if (!dataNodes.includes(d)) control.add(d);
    }
    const node = this.graph.createOp(type, [...inputs, ...[...control].map((c) => `^${c}`)], attrs, name);
    for (const b of this.blocks) b.created.add(node.name);
    return node;
  }

  /** constant_op.constant: a Const named `name` (default `Const`) in the current scope. */
  constant(value: number | readonly number[], dtype: number, name = 'Const', shape?: readonly number[]): string {
    const list = typeof value === 'number' ? [value] : value;
    const s = shape ?? (typeof value === 'number' ? [] : [list.length]);
    const proto = tensorProtoFrom(list, s, dtype);
    return output(this.create('Const', [], { dtype: attr.type(dtype), value: attr.tensor(proto) }, name));
  }

  /**
   * A generated op wrapper: scope `name` (default the op type), literal inputs made Consts named after the input
   * argument, type attrs filled from input dtypes, the op named after the scope.
   */
  op(type: string, inputs: readonly Arg[], attrs: Readonly<Record<string, AttrValue>> = {}, name?: string): NodeDef {
    const def = getOpDef(type);
    if (!def) throw new GraphError('UNSUPPORTED_OP', `no OpDef for op type '${type}'`);
    return this.scope(name ?? type, (scope) => {
      const a: Record<string, AttrValue> = { ...attrs };
      const names: string[] = [];
      const args = def.input_arg ?? [];
      // list arguments (N tensors, or a type list) share what the single tensors leave
      const lists = args.filter((a) => a.number_attr || a.type_list_attr).length;
      const perList = lists ? (inputs.length - (args.length - lists)) / lists : 0;
      let k = 0;
      for (const arg of args) {
        const count = arg.number_attr || arg.type_list_attr ? perList : 1;
        const group = inputs.slice(k, k + count);
        k += count;
        // the dtype: fixed, from an attr already given, or from the first tensor input of the group
        let d: number | undefined = arg.type || undefined;
        if (!d && arg.type_attr && a[arg.type_attr]?.type) d = a[arg.type_attr]!.type!;
        if (!d) {
          const t = group.find((g): g is string => typeof g === 'string');
          if (t !== undefined) d = this.dtype(t);
        }
        if (!d) {
          const lit = group[0] as Literal | undefined;
          d = lit?.dtype ?? DataType.DT_INT32;
        }
        // a literal in a list argument is named `<arg>_<i>` (ops.internal_convert_n_to_tensor)
        const isList = Boolean(arg.number_attr || arg.type_list_attr);
        const tensors = group.map((g, i) =>
          typeof g === 'string'
            ? g
            : this.constant(g.value, g.dtype ?? d!, isList ? `${arg.name}_${i}` : (arg.name ?? 'Const'), g.shape),
        );
        names.push(...tensors);
        if (arg.type_attr && a[arg.type_attr] === undefined) a[arg.type_attr] = attr.type(d);
        if (arg.number_attr && a[arg.number_attr] === undefined) a[arg.number_attr] = attr.i(group.length);
        if (arg.type_list_attr && a[arg.type_list_attr] === undefined)
          a[arg.type_list_attr] = attr.listType(tensors.map((t) => this.dtype(t)));
      }
      return this.create(type, names, a, scope);
    });
  }

  /** op() returning its first output's name. */
  t(type: string, inputs: readonly Arg[], attrs: Readonly<Record<string, AttrValue>> = {}, name?: string): string {
    return output(this.op(type, inputs, attrs, name));
  }

  // ---- Python helpers with the names they give their ops ----

  /** array_ops.shape: a Const when the static shape is fully known (optimize=True), else a Shape op. */
  shapeOf(x: string, name = 'Shape'): string {
    const s = this.fullyDefined(x);
    if (s) return this.constant(s, DataType.DT_INT32, name);
    return this.t('Shape', [x], { out_type: attr.type(DataType.DT_INT32) }, name);
  }

  /** array_ops.size: a Const when the static shape is fully known, else a Size op. */
  sizeOf(x: string, name = 'Size'): string {
    const s = this.fullyDefined(x);
    if (s)
      return this.constant(
        s.reduce((a, b) => a * b, 1),
        DataType.DT_INT32,
        name,
      );
    return this.t('Size', [x], { out_type: attr.type(DataType.DT_INT32) }, name);
  }

  /** array_ops.rank: a Const when the rank is known, else a Rank op. */
  rankOf(x: string, name = 'Rank'): string {
    const s = this.shape(x);
    if (s) return this.constant(s.length, DataType.DT_INT32, name);
    return this.t('Rank', [x], {}, name);
  }

  reshape(x: string, shape: Arg, name?: string): string {
    return this.t('Reshape', [x, shape], {}, name);
  }

  /** math_ops.reduce_sum (axes a list or a tensor). */
  reduceSum(x: string, axes: Arg, keepDims = false, name?: string): string {
    return this.t('Sum', [x, axes], { keep_dims: attr.b(keepDims) }, name);
  }

  /** math_ops.cast: no op when the dtype already matches. */
  cast(x: string, dtype: number, name = 'Cast'): string {
    if (this.dtype(x) === dtype) return x;
    return this.t('Cast', [x], { DstT: attr.type(dtype), Truncate: attr.b(false) }, name);
  }

  /** array_ops.zeros_like (optimize=False): a ZerosLike op. */
  zerosLike(x: string, name = 'zeros_like'): string {
    return this.t('ZerosLike', [x], {}, name);
  }

  /** array_ops.zeros_like (optimize=True): a Const `zeros_like` when the shape is fully known, else a ZerosLike op. */
  zerosLikeOpt(x: string, name = 'zeros_like'): string {
    const s = this.fullyDefined(x);
    if (s) return this.constant(0, this.dtype(x), name, s);
    return this.zerosLike(x, name);
  }

  /** array_ops.ones_like: Fill(shape, 1) named `ones_like`, its shape a `Shape/shape_as_tensor` Const when known. */
  onesLike(x: string, name = 'ones_like', dtype?: number): string {
    return this.scope(name, (scope) => {
      const s = this.fullyDefined(x);
      const shape = s
        ? this.scope('Shape', () => this.constant(s, DataType.DT_INT32, 'shape_as_tensor'))
        : this.t('Shape', [x], { out_type: attr.type(DataType.DT_INT32) }, 'Shape');
      return this.fill(shape, 1, dtype ?? this.dtype(x), scope);
    });
  }

  /** array_ops.zeros / ones with a shape tensor: Fill(shape, Const) named `name` (a scope string is taken as is). */
  fill(shape: string, value: number, dtype: number, name: string): string {
    return this.scope(name, (scope) => {
      const v = this.constant(value, dtype);
      return output(
        this.create('Fill', [shape, v], { T: attr.type(dtype), index_type: attr.type(DataType.DT_INT32) }, scope),
      );
    });
  }

  /** array_ops.stack of tensors and Python ints: the ints become Consts named by their index in the `name` scope. */
  pack(items: readonly (string | number)[], name = 'stack', dtype?: number): string {
    return this.scope(name, (scope) => {
      const t = items.find((i): i is string => typeof i === 'string');
      const d = dtype ?? (t === undefined ? DataType.DT_INT32 : this.dtype(t));
      const ins = items.map((v, i) => (typeof v === 'string' ? v : this.constant(v, d, String(i))));
      return output(this.create('Pack', ins, { N: attr.i(ins.length), T: attr.type(d), axis: attr.i(0) }, scope));
    });
  }

  /** Python's tensor[...] (array_ops._slice_helper): Consts `stack`, `stack_1`, `stack_2` in a `strided_slice` scope. */
  pySlice(
    t: string,
    begin: readonly number[],
    end: readonly number[],
    strides: readonly number[],
    masks: { begin_mask?: number; end_mask?: number; shrink_axis_mask?: number } = {},
  ): string {
    return this.scope('strided_slice', (scope) => {
      const i32 = DataType.DT_INT32;
      const b = this.constant(begin, i32, 'stack');
      const e = this.constant(end, i32, 'stack');
      const s = this.constant(strides, i32, 'stack');
      const a = {
        T: attr.type(this.dtype(t)),
        Index: attr.type(i32),
        begin_mask: attr.i(masks.begin_mask ?? 0),
        end_mask: attr.i(masks.end_mask ?? 0),
        ellipsis_mask: attr.i(0),
        new_axis_mask: attr.i(0),
        shrink_axis_mask: attr.i(masks.shrink_axis_mask ?? 0),
      };
      return output(this.create('StridedSlice', [t, b, e, s], a, scope));
    });
  }

  /** array_ops.identity. */
  identity(x: string, name?: string): string {
    return this.t('Identity', [x], {}, name);
  }

  /** control_flow_ops.group: a NoOp named `name` with control inputs on every op (sorted, as a GraphDef lists). */
  group(ops: readonly string[], name = 'group_deps'): string {
    return this.scope(name, (scope) => this.controlDependencies(ops, () => this.create('NoOp', [], {}, scope)).name);
  }

  /** control_flow_ops.with_dependencies: an Identity of `t` (colocated with it) after `deps`. */
  withDependencies(deps: readonly string[], t: string, name = 'control_dependency'): string {
    return this.scope(name, (scope) =>
      this.colocate(t, () =>
        this.controlDependencies(deps, () =>
          output(this.create('Identity', [t], { T: attr.type(this.dtype(t)) }, scope)),
        ),
      ),
    );
  }

  /** control_flow_ops.tuple: every tensor gated on a group of all of them. */
  tuple(tensors: readonly (string | null)[], name = 'tuple'): (string | null)[] {
    return this.scope(name, () => {
      const ops: string[] = [];
      for (const t of tensors) if (t !== null && !ops.includes(parseInput(t).node)) ops.push(parseInput(t).node);
      // gating ops in creation order (TensorFlow sorts by op id)
      const order = new Map(this.graph.nodes.map((n, i) => [n.name, i]));
      ops.sort((a, b) => order.get(a)! - order.get(b)!);
      const gate = this.group(ops);
      return tensors.map((t) => (t === null ? null : this.withDependencies([gate], t)));
    });
  }
}
