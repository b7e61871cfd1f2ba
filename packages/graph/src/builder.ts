// A TypeScript builder for tf.compat.v1-style graphs: every method adds the same nodes (names, scopes, attrs,
// colocation) as the Python API call it is named after, so TensorFlow can import our graphs, restore our checkpoints
// into them and run them. Tensors are referred to by name (`x:0`).
import { DataType, dtypeInfo, tensorflow } from '@tensorgraft/proto';
import { type AttrValue, attr } from './attrs.js';
import { cond, type WhileLoopOptions, whileLoop } from './builder-control-flow.js';
import { GraphKeys } from './collections.js';
import { GraphError } from './errors.js';
import { type GradientsOptions, gradients } from './gradients/gradients.js';
import type { Graph, NodeDef } from './graph.js';
import { parseInput } from './names.js';
import { outputTypes } from './ops/op-registry.js';
import { tensorProtoFrom } from './runtime/tensor-proto.js';
import { createVariableNodes } from './variable-ops.js';

export type DTypeLike = number | string;

/** random_seed.get_seed: an op seed with no graph seed pairs with this graph seed. */
const DEFAULT_GRAPH_SEED = 87654321;
export type Shape = readonly (number | null)[];

function dt(d: DTypeLike): number {
  return typeof d === 'number' ? d : dtypeInfo(d).enumValue;
}

function dims(shape: Shape): number[] {
  return shape.map((d) => (d === null ? -1 : d));
}

const out = (n: NodeDef, k = 0) => `${n.name}:${k}`;

/** A tensor name, or a variable: a ref variable reads as its `read` snapshot, a resource variable as a
 * ReadVariableOp made inside the consuming op's name scope (as Python's convert_to_tensor does). */
export type Input = string | BuiltVariable;

export interface VariableOptions {
  trainable?: boolean;
  /** Resource variable (VarHandleOp) instead of a ref variable (VariableV2). */
  resource?: boolean;
  dtype?: DTypeLike;
}

export type Initializer =
  | { zeros: true }
  | { ones: true }
  | { constant: ArrayLike<number> }
  | { randomNormal: { mean?: number; stddev?: number; seed?: number } };

export interface BuiltVariable {
  /** The variable op (VariableV2 / VarHandleOp). */
  name: string;
  /** The tensor to compute with: `v/read:0` or `v/Read/ReadVariableOp:0`. */
  value: string;
  /** The op that assigns the initial value. */
  initializer: string;
  resource: boolean;
  dtype: number;
  shape: number[];
}

export class GraphBuilder {
  readonly graph: Graph;
  readonly variables: BuiltVariable[] = [];

  constructor(graph: Graph) {
    this.graph = graph;
  }

  private dtypeOf(t: Input): number {
    if (typeof t !== 'string') return t.dtype;
    const ref = parseInput(t);
    const node = this.graph.requireNode(ref.node);
    const types = outputTypes(node);
    const d = types?.[ref.index];
    if (d === undefined)
      throw new GraphError('INVALID_ARGUMENT', `cannot tell the dtype of '${t}'`, { node: ref.node });
    return d > 100 ? d - 100 : d;
  }

  /** Runs `fn` under a name scope (Graph.name_scope). */
  nameScope<T>(name: string, fn: (scope: string) => T): T {
    return this.graph.withNameScope(name, fn);
  }

  controlDependencies<T>(deps: readonly string[], fn: () => T): T {
    return this.graph.withControlDependencies(deps, fn);
  }

  /** An op the way a Python wrapper makes one: `name` (or `defaultName`) as a unique scope, the op named after it. */
  op(
    type: string,
    inputs: readonly Input[],
    attrs: Readonly<Record<string, AttrValue>>,
    name: string | undefined,
    defaultName = type,
  ): NodeDef {
    return this.graph.withNameScope(name ?? defaultName, (scope) =>
      this.graph.createOp(type, this.resolve(inputs), attrs, scope),
    );
  }

  /** Input names inside the current scope: resource variables get their ReadVariableOp here. */
  private resolve(inputs: readonly Input[]): string[] {
    return inputs.map((i) => {
      if (typeof i === 'string') return i;
      if (!i.resource) return i.value;
      return out(this.graph.createOp('ReadVariableOp', [i.name], { dtype: attr.type(i.dtype) }, 'ReadVariableOp'));
    });
  }

  private scoped<T>(name: string | undefined, defaultName: string, fn: (scope: string) => T): T {
    return this.graph.withNameScope(name ?? defaultName, fn);
  }

  placeholder(dtype: DTypeLike, shape: Shape | null, name?: string): string {
    const a: Record<string, AttrValue> = { dtype: attr.type(dt(dtype)) };
    a.shape = attr.shape(shape === null ? null : dims(shape));
    return out(this.op('Placeholder', [], a, name));
  }

  placeholderWithDefault(input: Input, shape: Shape | null, name?: string): string {
    return out(
      this.op(
        'PlaceholderWithDefault',
        [input],
        { dtype: attr.type(this.dtypeOf(input)), shape: attr.shape(shape === null ? null : dims(shape)) },
        name,
      ),
    );
  }

  /** tf.constant: numbers (dtype float32 unless given), booleans or strings, in the given shape (default: flat). */
  constant(
    values: ArrayLike<number> | readonly string[] | readonly boolean[] | number | string,
    options: { dtype?: DTypeLike; shape?: readonly number[]; name?: string } = {},
  ): string {
    const list =
      typeof values === 'number' || typeof values === 'string' ? [values] : Array.from(values as ArrayLike<unknown>);
    const isString = typeof list[0] === 'string';
    const d =
      options.dtype !== undefined
        ? dt(options.dtype)
        : isString
          ? DataType.DT_STRING
          : typeof list[0] === 'boolean'
            ? DataType.DT_BOOL
            : DataType.DT_FLOAT;
    const shape = options.shape ?? (typeof values === 'number' || typeof values === 'string' ? [] : [list.length]);
    const proto = tensorProtoFrom(list as never, shape, d);
    return out(this.op('Const', [], { dtype: attr.type(d), value: attr.tensor(proto) }, options.name, 'Const'));
  }

  private constIn(values: ArrayLike<number> | number, dtype: number, name: string, shape?: readonly number[]): string {
    return this.constant(values, { dtype, name, ...(shape ? { shape } : {}) });
  }

  /** tf.compat.v1.get_variable: the variable, its initializer under `name/Initializer/`, Assign and read ops. */
  variable(name: string, shape: readonly number[], init: Initializer, options: VariableOptions = {}): BuiltVariable {
    const d = dt(options.dtype ?? DataType.DT_FLOAT);
    const resource = options.resource ?? false;
    const trainable = options.trainable ?? true;
    return this.graph.withNameScope(name, (scope) => {
      const full = scope.slice(0, -1);
      // the initial value, colocated with the variable (which does not exist yet, so the class is written by hand)
      const cls = { _class: attr.listS([`loc:@${full}`]) };
      const initValue = this.graph.withNameScope('Initializer', () => this.initialValue(init, shape, d, cls));
      const value = createVariableNodes(this.graph, { full, shape, dtype: d, resource, initValue, cls });
      const v: BuiltVariable = {
        name: full,
        value,
        initializer: `${full}/Assign`,
        resource,
        dtype: d,
        shape: [...shape],
      };
      const def = tensorflow.VariableDef.create({
        variable_name: `${full}:0`,
        initializer_name: v.initializer,
        snapshot_name: value,
        initial_value_name: initValue,
        trainable,
        ...(resource ? { is_resource: true } : {}),
      });
      this.graph.addToCollection(GraphKeys.GLOBAL_VARIABLES, { kind: 'variable', def });
      if (trainable) this.graph.addToCollection(GraphKeys.TRAINABLE_VARIABLES, { kind: 'variable', def });
      this.variables.push(v);
      return v;
    });
  }

  private initialValue(init: Initializer, shape: readonly number[], d: number, cls: Record<string, AttrValue>): string {
    const withClass = (n: NodeDef) => {
      n.attr._class = cls._class!;
      return n;
    };
    if ('zeros' in init || 'ones' in init) {
      const v = 'zeros' in init ? 0 : 1;
      const proto = tensorProtoFrom([v], shape, d);
      return out(
        withClass(
          this.graph.createOp(
            'Const',
            [],
            { dtype: attr.type(d), value: attr.tensor(proto) },
            'zeros' in init ? 'zeros' : 'ones',
          ),
        ),
      );
    }
    if ('constant' in init) {
      const proto = tensorProtoFrom(init.constant, shape, d);
      return out(
        withClass(this.graph.createOp('Const', [], { dtype: attr.type(d), value: attr.tensor(proto) }, 'Const')),
      );
    }
    // random_normal_initializer: (RandomStandardNormal(shape) * stddev) + mean, under `random_normal/`
    const { mean = 0, stddev = 1, seed = 0 } = init.randomNormal;
    return this.graph.withNameScope('random_normal', (scope) => {
      const s = withClass(
        this.graph.createOp(
          'Const',
          [],
          {
            dtype: attr.type(DataType.DT_INT32),
            value: attr.tensor(tensorProtoFrom(shape, [shape.length], DataType.DT_INT32)),
          },
          'shape',
        ),
      );
      const m = withClass(
        this.graph.createOp(
          'Const',
          [],
          { dtype: attr.type(d), value: attr.tensor(tensorProtoFrom([mean], [], d)) },
          'mean',
        ),
      );
      const sd = withClass(
        this.graph.createOp(
          'Const',
          [],
          { dtype: attr.type(d), value: attr.tensor(tensorProtoFrom([stddev], [], d)) },
          'stddev',
        ),
      );
      const r = withClass(
        this.graph.createOp(
          'RandomStandardNormal',
          [out(s)],
          {
            T: attr.type(DataType.DT_INT32),
            dtype: attr.type(d),
            seed: attr.i(seed ? DEFAULT_GRAPH_SEED : 0),
            seed2: attr.i(seed),
          },
          'RandomStandardNormal',
        ),
      );
      const mul = withClass(this.graph.createOp('Mul', [out(r), out(sd)], { T: attr.type(d) }, 'mul'));
      return out(withClass(this.graph.createOp('AddV2', [out(mul), out(m)], { T: attr.type(d) }, scope)));
    });
  }

  /** tf.compat.v1.global_variables_initializer: a NoOp `init` depending on every variable's Assign. */
  globalVariablesInitializer(name = 'init'): string {
    const deps = this.variables.map((v) => v.initializer);
    return this.graph.withControlDependencies(deps, () => this.graph.createOp('NoOp', [], {}, name)).name;
  }

  // ---- math and nn: the op type and the default name the Python function uses ----

  private binary(type: string, a: Input, b: Input, name: string | undefined, defaultName: string): string {
    return out(this.op(type, [a, b], { T: attr.type(this.dtypeOf(a)) }, name, defaultName));
  }

  private unary(type: string, x: Input, name: string | undefined, defaultName = type): string {
    return out(this.op(type, [x], { T: attr.type(this.dtypeOf(x)) }, name, defaultName));
  }

  add(a: Input, b: Input, name?: string): string {
    return this.binary('AddV2', a, b, name, 'add');
  }
  sub(a: Input, b: Input, name?: string): string {
    return this.binary('Sub', a, b, name, 'sub');
  }
  mul(a: Input, b: Input, name?: string): string {
    return this.binary('Mul', a, b, name, 'mul');
  }
  div(a: Input, b: Input, name?: string): string {
    return this.binary('RealDiv', a, b, name, 'truediv');
  }
  maximum(a: Input, b: Input, name?: string): string {
    return this.binary('Maximum', a, b, name, 'Maximum');
  }
  minimum(a: Input, b: Input, name?: string): string {
    return this.binary('Minimum', a, b, name, 'Minimum');
  }
  pow(a: Input, b: Input, name?: string): string {
    return this.binary('Pow', a, b, name, 'Pow');
  }
  neg(x: Input, name?: string): string {
    return this.unary('Neg', x, name);
  }
  square(x: Input, name?: string): string {
    return this.unary('Square', x, name);
  }
  sqrt(x: Input, name?: string): string {
    return this.unary('Sqrt', x, name);
  }
  rsqrt(x: Input, name?: string): string {
    return this.unary('Rsqrt', x, name);
  }
  exp(x: Input, name?: string): string {
    return this.unary('Exp', x, name);
  }
  log(x: Input, name?: string): string {
    return this.unary('Log', x, name);
  }
  relu(x: Input, name?: string): string {
    return this.unary('Relu', x, name);
  }
  relu6(x: Input, name?: string): string {
    return this.unary('Relu6', x, name);
  }
  sigmoid(x: Input, name?: string): string {
    return this.unary('Sigmoid', x, name);
  }
  tanh(x: Input, name?: string): string {
    return this.unary('Tanh', x, name);
  }
  softmax(x: Input, name?: string): string {
    return this.unary('Softmax', x, name);
  }
  logSoftmax(x: Input, name?: string): string {
    return this.unary('LogSoftmax', x, name);
  }
  identity(x: Input, name?: string): string {
    return this.unary('Identity', x, name);
  }
  stopGradient(x: Input, name?: string): string {
    return this.unary('StopGradient', x, name);
  }

  matmul(a: Input, b: Input, options: { transposeA?: boolean; transposeB?: boolean; name?: string } = {}): string {
    return out(
      this.op(
        'MatMul',
        [a, b],
        {
          T: attr.type(this.dtypeOf(a)),
          transpose_a: attr.b(options.transposeA ?? false),
          transpose_b: attr.b(options.transposeB ?? false),
        },
        options.name,
      ),
    );
  }

  biasAdd(x: Input, bias: Input, name?: string): string {
    return out(
      this.op('BiasAdd', [x, bias], { T: attr.type(this.dtypeOf(x)), data_format: attr.s('NHWC') }, name, 'BiasAdd'),
    );
  }

  conv2d(x: Input, filter: Input, strides: readonly number[], padding: 'SAME' | 'VALID', name?: string): string {
    return out(
      this.op(
        'Conv2D',
        [x, filter],
        {
          T: attr.type(this.dtypeOf(x)),
          strides: attr.listI(strides.length === 2 ? [1, strides[0]!, strides[1]!, 1] : strides),
          padding: attr.s(padding),
          use_cudnn_on_gpu: attr.b(true),
          explicit_paddings: attr.listI([]),
          data_format: attr.s('NHWC'),
          dilations: attr.listI([1, 1, 1, 1]),
        },
        name,
      ),
    );
  }

  private pool(
    type: 'MaxPool' | 'AvgPool',
    x: Input,
    ksize: number,
    stride: number,
    padding: 'SAME' | 'VALID',
    name?: string,
  ): string {
    return out(
      this.op(
        type,
        [x],
        {
          T: attr.type(this.dtypeOf(x)),
          ksize: attr.listI([1, ksize, ksize, 1]),
          strides: attr.listI([1, stride, stride, 1]),
          padding: attr.s(padding),
          ...(type === 'MaxPool' ? { explicit_paddings: attr.listI([]) } : {}),
          data_format: attr.s('NHWC'),
        },
        name,
        type === 'MaxPool' ? 'MaxPool2d' : 'AvgPool2D',
      ),
    );
  }
  maxPool(x: Input, ksize: number, stride: number, padding: 'SAME' | 'VALID', name?: string): string {
    return this.pool('MaxPool', x, ksize, stride, padding, name);
  }
  avgPool(x: Input, ksize: number, stride: number, padding: 'SAME' | 'VALID', name?: string): string {
    return this.pool('AvgPool', x, ksize, stride, padding, name);
  }

  reshape(x: Input, shape: readonly number[], name?: string): string {
    return this.scoped(name, 'Reshape', (scope) => {
      const [xin] = this.resolve([x]);
      const s = this.constIn(shape, DataType.DT_INT32, 'shape', [shape.length]);
      return out(
        this.graph.createOp(
          'Reshape',
          [xin!, s],
          { T: attr.type(this.dtypeOf(x)), Tshape: attr.type(DataType.DT_INT32) },
          scope,
        ),
      );
    });
  }

  private reduction(
    type: string,
    x: Input,
    axes: readonly number[],
    keepDims: boolean,
    name: string | undefined,
    defaultName: string,
  ): string {
    return this.scoped(name, defaultName, (scope) => {
      const [xin] = this.resolve([x]);
      const r = this.constIn(axes, DataType.DT_INT32, 'reduction_indices', [axes.length]);
      return out(
        this.graph.createOp(
          type,
          [xin!, r],
          { T: attr.type(this.dtypeOf(x)), Tidx: attr.type(DataType.DT_INT32), keep_dims: attr.b(keepDims) },
          scope,
        ),
      );
    });
  }
  reduceSum(x: Input, axes: readonly number[], keepDims = false, name?: string): string {
    return this.reduction('Sum', x, axes, keepDims, name, 'Sum');
  }
  reduceMean(x: Input, axes: readonly number[], keepDims = false, name?: string): string {
    return this.reduction('Mean', x, axes, keepDims, name, 'Mean');
  }
  reduceMax(x: Input, axes: readonly number[], keepDims = false, name?: string): string {
    return this.reduction('Max', x, axes, keepDims, name, 'Max');
  }

  argMax(x: Input, axis: number, name?: string): string {
    return this.scoped(name, 'ArgMax', (scope) => {
      const [xin] = this.resolve([x]);
      const d = this.constIn(axis, DataType.DT_INT32, 'dimension');
      return out(
        this.graph.createOp(
          'ArgMax',
          [xin!, d],
          {
            T: attr.type(this.dtypeOf(x)),
            Tidx: attr.type(DataType.DT_INT32),
            output_type: attr.type(DataType.DT_INT64),
          },
          scope,
        ),
      );
    });
  }

  squeeze(x: Input, axes: readonly number[], name?: string): string {
    return out(
      this.op('Squeeze', [x], { T: attr.type(this.dtypeOf(x)), squeeze_dims: attr.listI(axes) }, name, 'Squeeze'),
    );
  }

  concat(xs: readonly Input[], axis: number, name?: string): string {
    return this.scoped(name, 'concat', (scope) => {
      const ins = this.resolve(xs);
      const a = this.constIn(axis, DataType.DT_INT32, 'axis');
      return out(
        this.graph.createOp(
          'ConcatV2',
          [...ins, a],
          { N: attr.i(xs.length), T: attr.type(this.dtypeOf(xs[0]!)), Tidx: attr.type(DataType.DT_INT32) },
          scope,
        ),
      );
    });
  }

  cast(x: Input, dtype: DTypeLike, name?: string): string {
    return out(
      this.op(
        'Cast',
        [x],
        { SrcT: attr.type(this.dtypeOf(x)), DstT: attr.type(dt(dtype)), Truncate: attr.b(false) },
        name,
        'Cast',
      ),
    );
  }

  /** tf.group: a NoOp with control inputs on every op given. */
  group(ops: readonly string[], name?: string): string {
    return this.scoped(
      name,
      'group_deps',
      (scope) =>
        this.graph.withControlDependencies(
          ops.map((o) => parseInput(o).node),
          () => this.graph.createOp('NoOp', [], {}, scope),
        ).name,
    );
  }

  /**
   * tf.compat.v1.gradients: d(sum of ys)/d(x) for each x, null where x does not reach a y. A variable stands for
   * its variable tensor (`v:0`: the ref or the resource handle), as Python passes it.
   */
  gradients(
    ys: Input | readonly Input[],
    xs: Input | readonly Input[],
    options: GradientsOptions = {},
  ): (string | null)[] {
    const list = (v: Input | readonly Input[]) => (Array.isArray(v) ? (v as readonly Input[]) : [v as Input]);
    const name = (v: Input) => (typeof v === 'string' ? v : `${v.name}:0`);
    return gradients(
      this.graph,
      list(ys).map((y) => (typeof y === 'string' ? y : y.value)),
      list(xs).map(name),
      options,
    );
  }

  /**
   * tf.compat.v1.while_loop as control flow v1 builds it (Enter / Merge / LoopCond / Switch / NextIteration / Exit,
   * TensorFlow's names): `cond` and `body` get the loop variables' tensors; returns the Exit tensors.
   */
  whileLoop(
    condFn: (...vars: string[]) => string,
    body: (...vars: string[]) => readonly string[],
    loopVars: readonly string[],
    options: WhileLoopOptions = {},
  ): string[] {
    return whileLoop(this.graph, condFn, body, loopVars, options);
  }

  /** tf.compat.v1.cond as control flow v1 builds it (Switch / Identity pivots / Merge); one tensor per result. */
  cond(pred: string, trueFn: () => readonly string[], falseFn: () => readonly string[], name?: string): string[] {
    return cond(this.graph, pred, trueFn, falseFn, name);
  }

  /** Variable.assign for a built variable: Assign (ref) or AssignVariableOp (resource). */
  assign(v: BuiltVariable, value: string, name?: string): string {
    if (v.resource)
      return this.op(
        'AssignVariableOp',
        [`${v.name}:0`, value],
        { dtype: attr.type(v.dtype), validate_shape: attr.b(false) },
        name,
        'AssignVariableOp',
      ).name;
    return this.op(
      'Assign',
      [`${v.name}:0`, value],
      {
        T: attr.type(v.dtype),
        validate_shape: attr.b(true),
        use_locking: attr.b(false),
        _class: attr.listS([`loc:@${v.name}`]),
      },
      name,
      'Assign',
    ).name;
  }
}
