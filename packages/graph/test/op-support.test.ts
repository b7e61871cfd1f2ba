// Graphs with ops this runtime lacks import fine; opSupport names them, and running names them at plan time.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Graph, importMetaGraph, opSupport, parseMetaGraph, supportedOpTypes } from '@tensorgraft/graph';
import { describe, expect, it } from 'vitest';
import { REPO } from './helpers.js';

const dir = join(REPO, 'fixtures', 'graphs');
const load = (name: string) => {
  const graph = new Graph();
  const r = importMetaGraph(graph, parseMetaGraph(new Uint8Array(readFileSync(join(dir, `${name}.meta`)))));
  return { graph, saverDef: r.saverDef! };
};

describe('op support', () => {
  it('the light op list (no TensorFlow.js) is exactly the kernel table', async () => {
    const { KERNEL_OP_TYPES } = await import('./kernel-op-types.js');
    expect(supportedOpTypes()).toEqual(await KERNEL_OP_TYPES());
  });

  it('lists the op types of the issue, and more', () => {
    const required =
      'Placeholder PlaceholderWithDefault Const Identity IdentityN NoOp StopGradient VariableV2 Assign AssignAdd AssignSub VarHandleOp ReadVariableOp AssignVariableOp AssignAddVariableOp VarIsInitializedOp IsVariableInitialized MatMul BatchMatMulV2 Add AddV2 AddN Sub Mul RealDiv Neg Square Sqrt Rsqrt Exp Log Pow Maximum Minimum Relu Relu6 Sigmoid Tanh Softmax LogSoftmax BiasAdd Conv2D MaxPool AvgPool Reshape Shape ShapeN Size Rank Squeeze ExpandDims Fill ZerosLike OnesLike Cast Sum Mean Max Min Prod ArgMax Equal Greater Less Select SelectV2 Transpose ConcatV2 Pack Unpack StridedSlice Slice Pad Tile Range Floor FloorDiv FloorMod RandomUniform RandomStandardNormal TruncatedNormal SoftmaxCrossEntropyWithLogits SparseSoftmaxCrossEntropyWithLogits L2Loss SaveV2 RestoreV2 MergeV2Checkpoints ShardedFilename StringJoin'.split(
        ' ',
      );
    expect(required.filter((op) => !supportedOpTypes().includes(op))).toEqual([]);
  });

  it('runs control flow and the training ops of TensorFlow graphs', async () => {
    expect(opSupport(load('cond').graph).unsupported).toEqual([]);
    expect(opSupport(load('while').graph).unsupported).toEqual([]);
    const { graph } = load('cnn');
    const support = opSupport(graph);
    // the gradient and optimizer kernels of TensorFlow's training graphs run too (test/training-*.test.ts)
    expect(support.unsupported).toEqual([]);
    expect(support.totalNodes).toBe(graph.nodes.length);
  });
});
