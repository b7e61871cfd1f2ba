// tf.compat.v1.train.MomentumOptimizer: a zero slot `<var>/Momentum` per variable, `Momentum/learning_rate` and
// `Momentum/momentum`, then `Momentum/update_<var>/ApplyMomentum` (var, accum, lr, grad, momentum).
import { attr } from '../attrs.js';
import type { BuiltVariable, GraphBuilder } from '../builder.js';
import type { Graph } from '../graph.js';
import { Optimizer } from './optimizer.js';

export interface MomentumOptions {
  learningRate: number;
  momentum: number;
  useNesterov?: boolean;
  useLocking?: boolean;
  name?: string;
}

export class MomentumOptimizer extends Optimizer {
  private readonly options: MomentumOptions;
  private lr = '';
  private mom = '';

  constructor(target: Graph | GraphBuilder, options: MomentumOptions) {
    super(target, options.name ?? 'Momentum', options.useLocking ?? false);
    this.options = options;
  }

  slotNames(): string[] {
    return ['momentum'];
  }

  protected override createSlots(vars: readonly BuiltVariable[]): void {
    for (const v of vars) this.zerosSlot(v, 'momentum');
  }

  protected override prepare(): void {
    this.lr = this.hyper(this.options.learningRate, 'learning_rate');
    this.mom = this.hyper(this.options.momentum, 'momentum');
  }

  protected applyDense(grad: string, v: BuiltVariable): string {
    const accum = this.getSlot(v, 'momentum')!;
    return this.trainingOp('ApplyMomentum', v, [accum], [this.lr, grad, this.mom], {
      use_nesterov: attr.b(this.options.useNesterov ?? false),
    });
  }
}
