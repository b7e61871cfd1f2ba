// tf.compat.v1.train.GradientDescentOptimizer: `GradientDescent/learning_rate`, then per variable
// `GradientDescent/update_<var>/ApplyGradientDescent` (ResourceApplyGradientDescent for resource variables).
import type { BuiltVariable, GraphBuilder } from '../builder.js';
import type { Graph } from '../graph.js';
import { Optimizer } from './optimizer.js';

export interface GradientDescentOptions {
  learningRate: number;
  useLocking?: boolean;
  name?: string;
}

export class GradientDescentOptimizer extends Optimizer {
  private readonly learningRate: number;
  private lr = '';

  constructor(target: Graph | GraphBuilder, options: GradientDescentOptions) {
    super(target, options.name ?? 'GradientDescent', options.useLocking ?? false);
    this.learningRate = options.learningRate;
  }

  slotNames(): string[] {
    return [];
  }

  protected override prepare(): void {
    this.lr = this.hyper(this.learningRate, 'learning_rate');
  }

  protected applyDense(grad: string, v: BuiltVariable): string {
    return this.trainingOp('ApplyGradientDescent', v, [], [this.lr, grad], {});
  }
}
