// tf.compat.v1.train.AdamOptimizer: `beta1_power` / `beta2_power` variables (colocated with the first variable by
// name), zero slots `<var>/Adam` (m) and `<var>/Adam_1` (v), `Adam/learning_rate`, `Adam/beta1`, `Adam/beta2`,
// `Adam/epsilon`, per variable `Adam/update_<var>/ApplyAdam`, then after every update the powers multiplied by the
// betas (`Adam/mul`, `Adam/Assign`...) and a group of it all.

import { attr } from '../attrs.js';
import type { BuiltVariable, GraphBuilder } from '../builder.js';
import { GraphKeys } from '../collections.js';
import { output } from '../gradients/node-io.js';
import type { Graph } from '../graph.js';
import { Optimizer } from './optimizer.js';
import { createVariable } from './variables.js';

export interface AdamOptions {
  learningRate?: number;
  beta1?: number;
  beta2?: number;
  epsilon?: number;
  useLocking?: boolean;
  name?: string;
}

export class AdamOptimizer extends Optimizer {
  private readonly lrValue: number;
  private readonly beta1Value: number;
  private readonly beta2Value: number;
  private readonly epsilonValue: number;
  private t = { lr: '', beta1: '', beta2: '', epsilon: '' };
  private powers: [BuiltVariable, BuiltVariable] | undefined;

  constructor(target: Graph | GraphBuilder, options: AdamOptions = {}) {
    super(target, options.name ?? 'Adam', options.useLocking ?? false);
    this.lrValue = options.learningRate ?? 0.001;
    this.beta1Value = options.beta1 ?? 0.9;
    this.beta2Value = options.beta2 ?? 0.999;
    this.epsilonValue = options.epsilon ?? 1e-8;
  }

  slotNames(): string[] {
    return ['m', 'v'];
  }

  /** The beta1_power / beta2_power variables, once made. */
  betaPowers(): readonly [BuiltVariable, BuiltVariable] | undefined {
    return this.powers;
  }

  protected override createSlots(vars: readonly BuiltVariable[]): void {
    const first = [...vars].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))[0]!;
    if (!this.powers) {
      const power = (name: string, value: number) =>
        createVariable(this.graph, {
          name,
          shape: [],
          dtype: first.dtype,
          resource: first.resource,
          fill: value,
          initName: first.resource ? 'Initializer/initial_value' : 'initial_value',
          colocateWith: first.name,
          collections: [GraphKeys.GLOBAL_VARIABLES],
        });
      this.powers = [power('beta1_power', this.beta1Value), power('beta2_power', this.beta2Value)];
      this.builder?.variables.push(...this.powers);
    }
    for (const v of vars) {
      this.zerosSlot(v, 'm');
      this.zerosSlot(v, 'v');
    }
  }

  protected override prepare(): void {
    this.t = {
      lr: this.hyper(this.lrValue, 'learning_rate'),
      beta1: this.hyper(this.beta1Value, 'beta1'),
      beta2: this.hyper(this.beta2Value, 'beta2'),
      epsilon: this.hyper(this.epsilonValue, 'epsilon'),
    };
  }

  protected applyDense(grad: string, v: BuiltVariable): string {
    const [p1, p2] = this.powers!;
    const { lr, beta1, beta2, epsilon } = this.t;
    return this.trainingOp(
      'ApplyAdam',
      v,
      [this.getSlot(v, 'm')!, this.getSlot(v, 'v')!],
      [p1, p2, lr, beta1, beta2, epsilon, grad],
      {
        use_nesterov: attr.b(false),
      },
    );
  }

  /** Adam._finish: after the updates, beta powers *= betas; a group of the updates and those assigns. */
  protected override finish(updates: readonly string[], name: string): string {
    const em = this.em;
    const [p1, p2] = this.powers!;
    const assigns = em.controlDependencies(updates, () => {
      const update = (p: BuiltVariable, beta: string): string => {
        if (!p.resource) {
          return em.colocate(p.name, () => {
            const m = em.t('Mul', [p.value, beta], {}, 'mul');
            return em.create(
              'Assign',
              [`${p.name}:0`, m],
              { T: attr.type(p.dtype), validate_shape: attr.b(true), use_locking: attr.b(this.useLocking) },
              'Assign',
            ).name;
          });
        }
        // a resource variable reads its value outside any colocation, then assigns and reads back
        const r = output(em.create('ReadVariableOp', [`${p.name}:0`], { dtype: attr.type(p.dtype) }, 'ReadVariableOp'));
        return em.colocate(p.name, () => {
          const m = em.t('Mul', [r, beta], {}, 'mul');
          const a = em.create(
            'AssignVariableOp',
            [`${p.name}:0`, m],
            { dtype: attr.type(p.dtype), validate_shape: attr.b(true) },
            'AssignVariableOp',
          ).name;
          em.controlDependencies([a], () =>
            em.create('ReadVariableOp', [`${p.name}:0`], { dtype: attr.type(p.dtype) }, 'ReadVariableOp'),
          );
          return a;
        });
      };
      return [update(p1, this.t.beta1), update(p2, this.t.beta2)];
    });
    return em.group([...updates, ...assigns], name);
  }
}
