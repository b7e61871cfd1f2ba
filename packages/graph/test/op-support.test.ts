// Graphs with ops this runtime lacks import fine; opSupport names them, and running names them at plan time.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  Graph,
  GraphBuilder,
  importMetaGraph,
  opSupport,
  parseGraphDef,
  parseMetaGraph,
  supportedOpTypes,
} from '@tensorgraft/graph';
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

  it('names the op types gradients() would stop at on the way from a trainable variable, and their nodes', () => {
    const graph = new Graph();
    const b = new GraphBuilder(graph);
    const w = b.variable('w', [3], { constant: [1, 2, 3] });
    const cp = b.op('Cumprod', [w, b.constant(0, { dtype: 'int32' })], { T: { type: 1 }, Tidx: { type: 3 } }, 'cp');
    b.reduceSum(`${cp.name}:0`, [0], false, 'loss');
    const support = opSupport(graph);
    expect(support.unsupported).toEqual([]);
    expect(support.notDifferentiable).toEqual(['Cumprod']);
    expect(support.nodes).toEqual({ Cumprod: ['cp'] });
    expect(support.ops.find((o) => o.op === 'Cumprod')).toMatchObject({ supported: true, differentiable: false });
  });

  it("a forward graph of TensorFlow's with its trainable_variables, and a graph that holds its gradients, need none", () => {
    // minimize_*.meta: TensorFlow's forward graph before minimize(); the training model: after it
    for (const file of [
      join(REPO, 'fixtures', 'gradients', 'minimize_rmsprop_resource.meta'),
      join(REPO, 'fixtures', 'gradients', 'minimize_adam_ref.meta'),
      join(REPO, 'fixtures', 'training', 'cnn', 'model.ckpt-0.meta'),
    ]) {
      const meta = parseMetaGraph(new Uint8Array(readFileSync(file)));
      const support = opSupport(meta);
      expect(support.totalNodes, file).toBe(meta.graph_def?.node?.length);
      expect([support.unsupported, support.notDifferentiable], file).toEqual([[], []]);
    }
  });

  it('a GraphDef with an op type without a kernel names it and its nodes', () => {
    const def = parseGraphDef(new Uint8Array(readFileSync(join(REPO, 'fixtures', 'gradients', 'slim_ops.pb'))));
    const atan = { name: 'angle', op: 'Atan', input: ['a'], attr: { T: { type: 1 } } };
    const support = opSupport({ ...def, node: [...(def.node ?? []), atan] });
    expect(support.unsupported).toEqual(['Atan']);
    expect(support.nodes.Atan).toEqual(['angle']);
    // no variables in this graph: nothing to differentiate
    expect(support.notDifferentiable).toEqual([]);
  });
});
