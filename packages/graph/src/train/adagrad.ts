// tf.compat.v1.train.AdagradOptimizer: a slot `<var>/Adagrad` (accumulator) filled with initial_accumulator_value,
// `Adagrad/learning_rate`, then `Adagrad/update_<var>/ApplyAdagrad` (var, accum, lr, grad; update_slots true).
import { attr } from '../attrs.js';
import type { BuiltVariable, GraphBuilder } from '../builder.js';
import { GraphError } from '../errors.js';
import type { Graph } from '../graph.js';
import { Optimizer } from './optimizer.js';

export interface AdagradOptions {
  learningRate: number;
  /** Must be positive; 0.1. */
  initialAccumulatorValue?: number;
  useLocking?: boolean;
  name?: string;
}

export class AdagradOptimizer extends Optimizer {
  private readonly options: AdagradOptions;
  private readonly initial: number;
  private lr = '';

  constructor(target: Graph | GraphBuilder, options: AdagradOptions) {
    super(target, options.name ?? 'Adagrad', options.useLocking ?? false);
    this.options = options;
    this.initial = options.initialAccumulatorValue ?? 0.1;
    if (!(this.initial > 0))
      throw new GraphError('INVALID_ARGUMENT', `initial_accumulator_value must be positive: ${this.initial}`);
  }

  slotNames(): string[] {
    return ['accumulator'];
  }

  protected override createSlots(vars: readonly BuiltVariable[]): void {
    for (const v of vars) this.filledSlot(v, 'accumulator', this.initial, 'Initializer/Const');
  }

  protected override prepare(): void {
    this.lr = this.hyper(this.options.learningRate, 'learning_rate');
  }

  protected applyDense(grad: string, v: BuiltVariable): string {
    return this.trainingOp('ApplyAdagrad', v, [this.getSlot(v, 'accumulator')!], [this.lr, grad], {
      update_slots: attr.b(true),
    });
  }
}
