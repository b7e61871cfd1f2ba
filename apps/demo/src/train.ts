// The training ops added to the mixed graph: one-hot labels, softmax cross-entropy averaged over the batch, and the
// optimizer's minimize() over trainable_variables (the head only: the backbone was frozen by the mixer's plan).

import {
  AdamOptimizer,
  attr,
  type Graph,
  GraphBuilder,
  getOrCreateGlobalStep,
  MomentumOptimizer,
} from '@tensorgraft/graph';
import { DataType } from '@tensorgraft/proto';

export interface TrainingOptions {
  logits: string;
  numClasses: number;
  optimizer: 'adam' | 'momentum';
  learningRate: number;
}

export interface Training {
  labels: string;
  logits: string;
  loss: string;
  trainOp: string;
}

export function addTraining(graph: Graph, o: TrainingOptions): Training {
  const b = new GraphBuilder(graph);
  return b.nameScope('train', () => {
    const labels = b.placeholder('float32', [null, o.numClasses], 'labels');
    // tf.nn.softmax_cross_entropy_with_logits (one fused op, as TensorFlow builds it), then the batch mean
    const loss = b.nameScope('loss', () => {
      const xent = b.op(
        'SoftmaxCrossEntropyWithLogits',
        [o.logits, labels],
        { T: attr.type(DataType.DT_FLOAT) },
        'softmax_cross_entropy_with_logits',
      );
      return b.reduceMean(`${xent.name}:0`, [0], false, 'value');
    });
    const optimizer =
      o.optimizer === 'adam'
        ? new AdamOptimizer(b, { learningRate: o.learningRate })
        : new MomentumOptimizer(b, { learningRate: o.learningRate, momentum: 0.9 });
    // trainable_variables holds the head only (the mixer's freeze plan), so only the head is updated
    const trainOp = optimizer.minimize(loss, { globalStep: getOrCreateGlobalStep(graph) });
    return { labels, logits: o.logits, loss, trainOp };
  });
}
