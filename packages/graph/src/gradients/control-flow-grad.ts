// Gradients of the control-flow ops (TensorFlow's control_flow_grad.py, control flow v1). In a while loop: an Exit's
// gradient enters the gradient loop (`b_exit`), a loop Switch's becomes a Merge (`b_switch`, its back edge added on
// the second visit), a Merge's a Switch on the gradient loop's pivot, NextIteration passes the gradient, a loop
// variable's Enter becomes an Exit and a loop invariant's an accumulator loop (`b_acc`). In a cond: a Merge's gradient
// is a Switch on the predicate (`cond_grad`), a branch Switch's a Merge of both outputs' gradients.
import { contextOf, outputContextOf, whileOf } from '../control-flow-context.js';
import type { GraphError } from '../errors.js';
import type { NodeDef } from '../graph.js';
import { switchOf, unsupported } from './control-flow-state.js';
import type { Emitter } from './emitter.js';
import { addBackpropAccumulator, addNextAndBackEdge, realPred } from './grad-loop.js';
import { inputs, output } from './node-io.js';
import type { GradFn } from './registry.js';

const merge = (em: Emitter, a: string, b: string, name?: string): string => output(em.op('Merge', [a, b], {}, name));

function noLoopRecord(op: NodeDef): GraphError {
  return unsupported(
    `the gradient of ${op.op} '${op.name}' of a while loop without a recorded context (an imported v1 loop)`,
    op.name,
  );
}

const switchGrad: GradFn = (em, op, [g0, g1]) => {
  const flow = em.flow;
  const ctx = flow ? contextOf(em.graph, op.name) : null;
  if (ctx?.kind === 'while') {
    const gs = flow!.gradStateOf(flow!.current);
    if (!gs) throw noLoopRecord(op);
    const m = gs.switchMap.get(op.name);
    if (m) {
      // the second visit: the gradient from the body closes the gradient loop
      if (g1) addNextAndBackEdge(flow!, m, g1);
      return [null, null];
    }
    if (!g0) return [null, null];
    const b = merge(em, g0, g0, 'b_switch');
    gs.switchMap.set(op.name, b);
    return [b, null];
  }
  if (ctx?.kind === 'cond') {
    if (!(ctx.branch === 1 ? g0 : g1)) return [null, null];
    return [merge(em, g0!, g1!, 'cond_grad'), null];
  }
  if (!g0 || !g1) throw unsupported(`the gradient of Switch '${op.name}' with a dead output`, op.name);
  const pred = inputs(op)[1]!;
  const f = output(em.op('Switch', [g0, pred]), 0);
  const t = output(em.op('Switch', [g1, pred]), 1);
  return [merge(em, f, t), null];
};

const mergeGrad: GradFn = (em, op, [grad]) => {
  const flow = em.flow;
  const ctx = flow ? outputContextOf(em.graph, em.node(inputs(op)[0]!)) : null;
  if (ctx?.kind === 'while') {
    const gradCtx = whileOf(flow!.current);
    if (!gradCtx) throw noLoopRecord(op);
    return switchOf(em, grad!, `${gradCtx.pivot}:0`);
  }
  if (ctx?.kind === 'cond') return switchOf(em, grad!, realPred(flow!, ctx.pred), 'cond_grad');
  // a Merge outside any recorded context: the gradient goes to the input that was taken
  return inputs(op).map((_, i) => {
    const taken = em.t('Equal', [output(op, 1), { value: i }]);
    return switchOf(em, grad!, taken)[1];
  });
};

const exitGrad: GradFn = (em, op, [grad]) => {
  const flow = em.flow;
  const fwd = flow ? contextOf(em.graph, op.name) : null;
  const gradCtx = flow ? whileOf(flow.current) : null;
  if (fwd?.kind !== 'while' || !gradCtx) throw noLoopRecord(op);
  if (fwd.forward) throw unsupported(`a second-order gradient of a while loop`, op.name);
  gradCtx.values.add(grad!);
  flow!.enter(gradCtx);
  const e = flow!.enterOp(grad!, gradCtx, false, 'b_exit');
  gradCtx.loopEnters.push(e);
  flow!.exit(gradCtx);
  return [e];
};

const enterGrad: GradFn = (em, op, [grad]) => {
  const flow = em.flow;
  const gradCtx = flow ? whileOf(flow.current) : null;
  if (!gradCtx || !flow!.gradStateOf(gradCtx)) return [grad!];
  if (op.attr.is_constant?.b) return [addBackpropAccumulator(flow!, gradCtx, op, grad!)];
  const e = em.t('Exit', [grad!]);
  gradCtx.loopExits.push(e);
  flow!.exitResult(gradCtx, e);
  return [e];
};

const pass: GradFn = (_em, _op, [grad]) => [grad ?? null];

export const controlFlowGradients: Record<string, GradFn> = {
  Switch: switchGrad,
  RefSwitch: switchGrad,
  Merge: mergeGrad,
  RefMerge: mergeGrad,
  Exit: exitGrad,
  RefExit: exitGrad,
  Enter: enterGrad,
  RefEnter: enterGrad,
  NextIteration: pass,
  RefNextIteration: pass,
  // the loop's predicate stops backprop
  LoopCond: () => [null],
};
