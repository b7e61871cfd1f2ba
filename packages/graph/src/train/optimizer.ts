// tf.compat.v1.train.Optimizer as graph ops: computeGradients (gradients() with the optimizer's gating),
// applyGradients (slots made first at the root scope, then under a unique `<Name>` scope the hyperparameter Consts,
// one `update_<var>/Apply*` op per variable with a gradient, colocated with it, a finishing group, and the
// global_step increment named after the optimizer), minimize, and the `train_op` collection entry.
import { DataType } from '@tensorgraft/proto';
import { attr } from '../attrs.js';
import type { BuiltVariable, GraphBuilder } from '../builder.js';
import { GraphKeys } from '../collections.js';
import { GraphError } from '../errors.js';
import { Emitter } from '../gradients/emitter.js';
import { gradients } from '../gradients/gradients.js';
import { output } from '../gradients/node-io.js';
import type { Graph } from '../graph.js';
import { createVariable, resolveVariable, trainableVariables, type VariableLike } from './variables.js';

/** Optimizer._valid_dtypes: half, float, double, bfloat16. */
const FLOAT_TYPES: ReadonlySet<number> = new Set<number>([
  DataType.DT_HALF,
  DataType.DT_FLOAT,
  DataType.DT_DOUBLE,
  DataType.DT_BFLOAT16,
]);

/** Optimizer.GATE_NONE / GATE_OP / GATE_GRAPH. */
export type GateGradients = 0 | 1 | 2;

export interface ComputeGradientsOptions {
  /** Variables to differentiate (default: the graph's trainable variables). */
  varList?: readonly VariableLike[];
  /** Default GATE_OP (1): every op's input gradients wait for each other, as TensorFlow's default. */
  gateGradients?: GateGradients;
  colocateGradientsWithOps?: boolean;
  /** The initial gradient of the loss (default: ones). */
  gradLoss?: string;
}

export interface ApplyGradientsOptions {
  /** A variable to increment by one after the updates (see getOrCreateGlobalStep). */
  globalStep?: VariableLike;
  /** Scope and op name (default: the optimizer's name, made unique). */
  name?: string;
}

export type MinimizeOptions = ComputeGradientsOptions & ApplyGradientsOptions;

export type GradAndVar = readonly [string | null, BuiltVariable];

export abstract class Optimizer {
  readonly graph: Graph;
  readonly name: string;
  protected readonly useLocking: boolean;
  protected readonly em: Emitter;
  private readonly slots = new Map<string, Map<string, BuiltVariable>>();
  /** The builder, when given one: the variables made here join its list (globalVariablesInitializer). */
  protected readonly builder: GraphBuilder | undefined;

  constructor(target: Graph | GraphBuilder, name: string, useLocking = false) {
    this.graph = 'graph' in target ? target.graph : target;
    this.builder = 'graph' in target ? target : undefined;
    this.name = name;
    this.useLocking = useLocking;
    this.em = new Emitter(this.graph);
  }

  /** Optimizer.compute_gradients: [gradient (null when the loss does not depend on it), variable] pairs. */
  computeGradients(loss: string, options: ComputeGradientsOptions = {}): GradAndVar[] {
    const vars = (options.varList ?? trainableVariables(this.graph)).map((v) => resolveVariable(this.graph, v));
    if (vars.length === 0) throw new GraphError('INVALID_ARGUMENT', 'no variables to optimize');
    const gate = options.gateGradients ?? 1;
    let grads = gradients(
      this.graph,
      [loss],
      vars.map((v) => `${v.name}:0`),
      {
        gateGradients: gate === 1,
        colocateGradientsWithOps: options.colocateGradientsWithOps ?? false,
        ...(options.gradLoss ? { gradYs: [options.gradLoss] } : {}),
      },
    );
    if (gate === 2) grads = this.em.tuple(grads);
    return vars.map((v, i) => [grads[i] ?? null, v] as const);
  }

  /** Optimizer.apply_gradients: the op that applies them (and increments globalStep); added to `train_op`. */
  applyGradients(gradsAndVars: readonly GradAndVar[], options: ApplyGradientsOptions = {}): string {
    const withGrad = gradsAndVars.filter(([g]) => g !== null) as (readonly [string, BuiltVariable])[];
    if (withGrad.length === 0)
      throw new GraphError(
        'INVALID_ARGUMENT',
        `no gradients provided for any variable: ${gradsAndVars.map(([, v]) => v.name).join(', ')}`,
      );
    const em = this.em;
    const g = this.graph;
    for (const [, v] of withGrad)
      if (!FLOAT_TYPES.has(v.dtype))
        throw new GraphError('INVALID_ARGUMENT', `variable ${v.name} is not a float variable (dtype ${v.dtype})`, {
          node: v.name,
        });
    this.createSlots(withGrad.map(([, v]) => v));
    const step = options.globalStep === undefined ? undefined : resolveVariable(g, options.globalStep);
    const opName = em.scope(options.name ?? this.name, (scope) => {
      this.prepare();
      const updates: string[] = [];
      for (const [grad, v] of withGrad) em.scope(`update_${v.name}`, () => updates.push(this.applyDense(grad, v)));
      if (!step) return this.finish(updates, scope);
      const finished = this.finish(updates, 'update');
      return em.controlDependencies([finished], () =>
        em.colocate(step.name, () => {
          if (step.resource)
            return em.create(
              'AssignAddVariableOp',
              [`${step.name}:0`, em.constant(1, step.dtype)],
              { dtype: attr.type(step.dtype) },
              scope,
            ).name;
          // state_ops.assign_add(ref, 1): the literal becomes a Const `value` in the op's scope
          return em.create(
            'AssignAdd',
            [`${step.name}:0`, em.constant(1, step.dtype, 'value')],
            { T: attr.type(step.dtype), use_locking: attr.b(false) },
            scope,
          ).name;
        }),
      );
    });
    if (!g.getCollection(GraphKeys.TRAIN_OP).some((i) => i.kind === 'node' && i.name === opName))
      g.addToCollection(GraphKeys.TRAIN_OP, { kind: 'node', name: opName });
    return opName;
  }

  /** Optimizer.minimize: computeGradients then applyGradients; the train op's name. */
  minimize(loss: string, options: MinimizeOptions = {}): string {
    const pairs = this.computeGradients(loss, options);
    if (!pairs.some(([grad]) => grad !== null))
      throw new GraphError(
        'INVALID_ARGUMENT',
        `no gradients provided for any variable, check the graph for ops that do not support gradients between the variables ${pairs.map(([, v]) => v.name).join(', ')} and loss ${loss}`,
      );
    const apply: ApplyGradientsOptions = {};
    if (options.globalStep !== undefined) apply.globalStep = options.globalStep;
    if (options.name !== undefined) apply.name = options.name;
    return this.applyGradients(pairs, apply);
  }

  /** The slot variable `slot` of `v` (e.g. Adam's 'm'), once applyGradients has made it. */
  getSlot(v: VariableLike, slot: string): BuiltVariable | undefined {
    return this.slots.get(slot)?.get(resolveVariable(this.graph, v).name);
  }

  /** Slot names this optimizer makes. */
  abstract slotNames(): string[];

  protected createSlots(_vars: readonly BuiltVariable[]): void {}
  protected prepare(): void {}
  protected abstract applyDense(grad: string, v: BuiltVariable): string;

  /** _finish: a group of the updates named `name` (the scope's own name when it ends in `/`). */
  protected finish(updates: readonly string[], name: string): string {
    return this.em.group(updates, name);
  }

  /** _zeros_slot: a zero variable `<var>/<optimizer name>` (made unique) colocated with the variable. */
  protected zerosSlot(v: BuiltVariable, slot: string): BuiltVariable {
    return this.filledSlot(v, slot, 0, 'Initializer/zeros');
  }

  /**
   * _get_or_make_slot_with_initializer with a constant initializer: `<var>/<optimizer name>` (made unique) filled
   * with `fill`, its initial value the Const `initName` (`Initializer/ones`, `Initializer/Const`...).
   */
  protected filledSlot(v: BuiltVariable, slot: string, fill: number, initName: string): BuiltVariable {
    let named = this.slots.get(slot);
    if (!named) {
      named = new Map();
      this.slots.set(slot, named);
    }
    const have = named.get(v.name);
    if (have) return have;
    const s = createVariable(this.graph, {
      name: `${v.name}/${this.name}`,
      shape: v.shape,
      dtype: v.dtype,
      resource: v.resource,
      fill,
      initName,
      colocateWith: v.name,
      collections: [GraphKeys.GLOBAL_VARIABLES],
    });
    named.set(v.name, s);
    this.builder?.variables.push(s);
    return s;
  }

  /** A hyperparameter as ops.convert_to_tensor(value, name=...) makes it: a float Const in the current scope. */
  protected hyper(value: number, name: string, dtype = DataType.DT_FLOAT): string {
    return this.em.constant(value, dtype, name);
  }

  /**
   * A training op: `type` for ref variables, `Resource<type>` for resource ones, named after the op type in the
   * current scope. `reads` are resource variables passed by value (read inside the op's scope, as Python does).
   */
  protected trainingOp(
    type: string,
    v: BuiltVariable,
    slots: readonly BuiltVariable[],
    rest: readonly (string | BuiltVariable)[],
    attrs: Record<string, ReturnType<typeof attr.b>>,
  ): string {
    const em = this.em;
    const opType = v.resource ? `Resource${type}` : type;
    return em.scope(opType, (scope) => {
      const values = rest.map((r) => {
        if (typeof r === 'string') return r;
        if (r.resource)
          return output(em.create('ReadVariableOp', [`${r.name}:0`], { dtype: attr.type(r.dtype) }, 'ReadVariableOp'));
        return r.value;
      });
      const a: Record<string, ReturnType<typeof attr.b>> = {
        T: attr.type(v.dtype),
        use_locking: attr.b(this.useLocking),
        ...attrs,
      };
      // colocated with the variable; the reads above are not (a resource read ignores colocation)
      return em.colocate(v.name, () =>
        em.create(opType, [`${v.name}:0`, ...slots.map((s) => `${s.name}:0`), ...values], a, scope),
      ).name;
    });
  }
}
