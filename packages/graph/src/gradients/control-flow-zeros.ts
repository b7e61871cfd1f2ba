// Zeros for gradients that never arrive, where loops and conds need them (control_flow_state.py ZerosLikeForExit,
// ZerosLikeV1WhileLoop, ZerosLike, PostProcessing).
import { DataType } from '@tensorgraft/proto';
import { attr } from '../attrs.js';
import { contextOf, isLoopSwitch, isSwitch, whileOf } from '../control-flow-context.js';
import type { NodeDef } from '../graph.js';
import { type ControlFlowState, switchOf, unsupported } from './control-flow-state.js';
import { inputs, output } from './node-io.js';

const I32 = DataType.DT_INT32;

/** ZerosLikeForExit: zeros for a loop output no y depends on. */
export function zerosLikeForExit(flow: ControlFlowState, val: string): string {
  const em = flow.em;
  const shape = em.fullyDefined(val);
  const outerFwd = whileOf(contextOf(em.graph, val)?.outer ?? null);
  const outer = outerFwd ? flow.states.get(outerFwd) : undefined;
  const zeros = () =>
    shape && shape.reduce((a, b) => a * b, 1) < 1000 ? em.constant(0, em.dtype(val), 'zeros', shape) : null;
  if (outer) {
    // an inner loop's unused exit: zeros made in the outer gradient loop
    if (!shape) throw unsupported(`zeros of unknown shape for the unused loop output '${val}'`, em.node(val).name);
    flow.enter(outer.grad);
    const z = zeros() ?? em.zerosLike(val);
    flow.exit(outer.grad);
    return z;
  }
  return zeros() ?? em.zerosLike(val);
}

/** ZerosLikeV1WhileLoop: zeros for output `k` of `op` (none for a loop Switch: its gradient comes later). */
export function zerosLikeInLoop(flow: ControlFlowState, op: NodeDef, k: number): string | null {
  const em = flow.em;
  if (isLoopSwitch(em.graph, op)) return null;
  const ctx = contextOf(em.graph, op.name);
  const gs = flow.states.get(whileOf(ctx)!);
  if (!gs) return zerosLike(flow, op, k);
  const shape = em.fullyDefined(output(op, k));
  if (!shape) throw unsupported(`zeros of unknown shape for an unused output of '${op.name}' inside a loop`, op.name);
  const zeros = em.constant(0, em.dtype(output(op, k)), 'Const', shape);
  if (!isSwitch(op)) return zeros;
  // a branch Switch's dead output: the zeros flow when the other branch ran
  if (ctx?.kind !== 'cond') throw unsupported(`zeros for an unused output of '${op.name}'`, op.name);
  const pred = gs.history.get(ctx.pred);
  if (!pred) throw unsupported(`zeros for '${op.name}' before its cond's predicate was saved`, op.name);
  return switchOf(em, zeros, pred)[1 - ctx.branch]!;
}

/** control_flow_state.ZerosLike: a cond Switch's dead output gets zeros shaped like its live one. */
export function zerosLike(flow: ControlFlowState, op: NodeDef, k: number): string {
  const em = flow.em;
  const ctx = contextOf(em.graph, op.name);
  if (!isSwitch(op) || !ctx) return em.zerosLike(output(op, k));
  if (ctx.kind !== 'cond') throw unsupported(`zeros for an unused output of '${op.name}'`, op.name);
  const sw = `${em.op('Switch', [inputs(op)[0]!, ctx.pred]).name}:${1 - ctx.branch}`;
  const pivot = em.identity(sw);
  const shape = em.t('Shape', [sw], { out_type: attr.type(I32) });
  return em.controlDependencies([pivot], () => em.fill(shape, 0, em.dtype(output(op, k)), 'zeros'));
}

/** PostProcessing: a b_switch Merge whose loop variable got no gradient in the body adds zeros each iteration. */
export function postProcessing(flow: ControlFlowState): void {
  const em = flow.em;
  for (const gs of flow.states.values())
    for (const m of gs.switchMap.values()) {
      const merge = em.node(m);
      const [a, b] = inputs(merge);
      if (a !== b) continue;
      const shape = em.fullyDefined(a!);
      let next: string;
      if (shape) {
        flow.enter(gs.grad);
        next = em.t('NextIteration', [em.constant(0, em.dtype(a!), 'Const', shape)]);
        flow.exit(gs.grad);
      } else {
        const g = inputs(em.node(a!))[0]!;
        const zeros = em.fill(em.t('Shape', [g], { out_type: attr.type(I32) }), 0, DataType.DT_FLOAT, 'zeros');
        if (gs.grad.outer) throw unsupported(`a loop variable of unknown shape with no gradient in a nested loop`);
        flow.enter(gs.grad);
        next = em.t('NextIteration', [zeros]);
        flow.exit(gs.grad);
      }
      merge.input[1] = next;
    }
}
