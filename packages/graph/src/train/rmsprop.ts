// tf.compat.v1.train.RMSPropOptimizer: per variable the slots `<var>/RMSProp` (rms, ones), with `centered` then
// `<var>/RMSProp_1` (mg, zeros), and `<var>/RMSProp_1` or `_2` (momentum, zeros); `RMSProp/learning_rate`,
// `RMSProp/decay`, `RMSProp/momentum`, `RMSProp/epsilon`; then `RMSProp/update_<var>/ApplyRMSProp` (var, ms, mom, lr,
// rho, momentum, epsilon, grad) or ApplyCenteredRMSProp (var, mg, ms, mom, ...).
import type { BuiltVariable, GraphBuilder } from '../builder.js';
import type { Graph } from '../graph.js';
import { Optimizer } from './optimizer.js';

export interface RMSPropOptions {
  learningRate: number;
  /** Discount of the moving average of squared gradients (TensorFlow's `decay`, the kernel's `rho`); 0.9. */
  decay?: number;
  /** 0. */
  momentum?: number;
  /** 1e-10. */
  epsilon?: number;
  /** Normalize by the gradient's estimated variance (ApplyCenteredRMSProp); false. */
  centered?: boolean;
  useLocking?: boolean;
  name?: string;
}

export class RMSPropOptimizer extends Optimizer {
  private readonly options: RMSPropOptions;
  private t = { lr: '', decay: '', momentum: '', epsilon: '' };

  constructor(target: Graph | GraphBuilder, options: RMSPropOptions) {
    super(target, options.name ?? 'RMSProp', options.useLocking ?? false);
    this.options = options;
  }

  slotNames(): string[] {
    return this.options.centered ? ['rms', 'mg', 'momentum'] : ['rms', 'momentum'];
  }

  protected override createSlots(vars: readonly BuiltVariable[]): void {
    for (const v of vars) {
      this.filledSlot(v, 'rms', 1, 'Initializer/ones');
      if (this.options.centered) this.zerosSlot(v, 'mg');
      this.zerosSlot(v, 'momentum');
    }
  }

  protected override prepare(): void {
    const o = this.options;
    this.t = {
      lr: this.hyper(o.learningRate, 'learning_rate'),
      decay: this.hyper(o.decay ?? 0.9, 'decay'),
      momentum: this.hyper(o.momentum ?? 0, 'momentum'),
      epsilon: this.hyper(o.epsilon ?? 1e-10, 'epsilon'),
    };
  }

  protected applyDense(grad: string, v: BuiltVariable): string {
    const rms = this.getSlot(v, 'rms')!;
    const mom = this.getSlot(v, 'momentum')!;
    const rest = [this.t.lr, this.t.decay, this.t.momentum, this.t.epsilon, grad];
    if (this.options.centered)
      return this.trainingOp('ApplyCenteredRMSProp', v, [this.getSlot(v, 'mg')!, rms, mom], rest, {});
    return this.trainingOp('ApplyRMSProp', v, [rms, mom], rest, {});
  }
}
