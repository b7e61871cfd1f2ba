// The gradient loop of a forward while loop, as TensorFlow's control flow v1 builds it (_GradLoopState in
// control_flow_state.py, WhileContext.AddForwardLoopCounter / AddBackpropLoopCounter / AddBackpropAccumulator in
// control_flow_ops.py).
//
// The forward loop gets a counter (`f_count`: Enter, Merge, Switch, Add, NextIteration, Exit), the gradient loop a
// frame of its own (`gradients/<loop>/while_context`) run by a counter counting that number down (`b_count`,
// GreaterEqual, Sub). A forward tensor a gradient op uses is pushed on a stack in each forward iteration (StackV2
// `f_acc`, StackPushV2) and popped in the matching backward one (StackPopV2, after `b_sync`); a loop invariant is
// entered into the gradient frame instead, and a Const is made again. A loop invariant's gradient is summed over the
// iterations by an accumulator loop (`b_acc`).
//
// A loop inside a loop: the inner loop's iteration count of each outer iteration is pushed on a stack of the outer
// loop and popped by the outer gradient loop to run the inner gradient loop as many times. A cond inside a loop: its
// predicate is stacked too, and a branch's values are pushed in the branch (the forward counter waits through
// `f_sync`) and popped through a Switch on the saved predicate.
import { DataType } from '@tensorgraft/proto';
import { attr } from '../attrs.js';
import {
  type CondContext,
  contextOf,
  isLoopConstantEnter,
  newWhileContext,
  outputContextOf,
  setContext,
  type WhileContext,
  whileOf,
} from '../control-flow-context.js';
import type { NodeDef } from '../graph.js';
import { parseInput } from '../names.js';
import { addControlInput, type ControlFlowState, switchOf, unsupported } from './control-flow-state.js';
import type { Emitter } from './emitter.js';
import { canonical, inputs, output } from './node-io.js';

const I32 = DataType.DT_INT32;

/** _GradLoopState: one forward loop and the gradient loop running it backwards. */
export interface GradLoopState {
  readonly forward: WhileContext;
  /** The state of the loop around this one (a loop inside a loop), or null. */
  readonly outer: GradLoopState | null;
  /** The forward counter's NextIteration tensor (pushes get a control edge to it) and the backward one's. */
  readonly forwardIndex: string;
  readonly grad: WhileContext;
  gradIndex: string;
  gradSync: string | null;
  forwardSync: string | null;
  /** A forward tensor → what stands for it in the gradient loop (a pop, an Enter, a Const). */
  readonly history: Map<string, string>;
  /** A loop Switch → the b_switch Merge its gradient made on the first visit. */
  readonly switchMap: Map<string, string>;
  readonly unusedExits: string[];
  readonly deferredExits: string[];
  readonly forwardLoopExits: readonly string[];
  pendingExitsCount: number;
}

/**
 * ProcessUnusedLoopExits: a loop's exits no y depends on, once none of its exits waits for a gradient (they get zeros
 * when trainable). A loop variable's Enter waits for its gradient from the Merge: it never counts down to 0 otherwise.
 */
export function unusedLoopExits(
  flow: ControlFlowState,
  pending: Map<NodeDef, number>,
  toOps: ReadonlySet<NodeDef>,
): string[] {
  const unused: string[] = [];
  for (const gs of flow.states.values()) {
    for (const y of gs.forwardLoopExits) {
      const op = flow.em.node(y);
      if ((pending.get(op) ?? 0) !== 0) continue;
      gs.pendingExitsCount--;
      if (!toOps.has(op)) gs.unusedExits.push(y);
      if (gs.pendingExitsCount === 0) unused.push(...gs.unusedExits);
    }
    for (const e of gs.forward.loopEnters) {
      const op = flow.em.node(e);
      if ((pending.get(op) ?? 0) === 0) pending.set(op, 1);
    }
  }
  return unused;
}

/**
 * _UpdatePendingAndEnqueueReady for a loop exit: deferred until all the loop's exits are ready, then those with
 * gradients and the unused ones are queued (the unused ones get zeros only when some exit has a gradient).
 */
export function readyLoopExits(
  gs: GradLoopState,
  exit: string,
  hasGrads: (t: string) => boolean,
): { queue: string[]; unused: string[]; zeros: boolean } | null {
  gs.deferredExits.push(exit);
  if (--gs.pendingExitsCount !== 0) return null;
  const used = gs.deferredExits.filter(hasGrads);
  for (const y of gs.deferredExits) if (!used.includes(y)) gs.unusedExits.push(y);
  return { queue: [...used, ...gs.unusedExits], unused: gs.unusedExits, zeros: used.length > 0 };
}

/** ControlFlowState.AddWhileContext: a gradient state for the loop `exit` leaves; its exits join the between ops. */
export function addWhileContext(
  flow: ControlFlowState,
  exit: NodeDef,
  between: Set<NodeDef>,
  betweenList: NodeDef[],
): void {
  const fwd = whileOf(contextOf(flow.em.graph, exit.name));
  if (!fwd)
    throw unsupported(
      `the gradient of loop exit '${exit.name}' without a recorded while loop (build it with GraphBuilder.whileLoop)`,
      exit.name,
    );
  if (flow.states.has(fwd)) return;
  if (fwd.outer && fwd.outer.kind !== 'while') throw unsupported(`the gradient of a loop inside a cond`, exit.name);
  const outerFwd = whileOf(fwd.outer);
  const outer = outerFwd ? (flow.states.get(outerFwd) ?? null) : null;
  const forwardLoopExits = [...fwd.loopExits];
  if (outerFwd) flow.enter(outerFwd);
  const [count, forwardIndex] = addForwardLoopCounter(flow, fwd, outer);
  if (outerFwd) flow.exit(outerFwd);
  let history = '';
  if (outer) {
    // the inner loop's iteration count of each outer iteration, saved for the outer gradient loop
    outerFwd!.values.add(count);
    history = addForwardAccumulator(flow, outer, count);
    flow.enter(outer.grad);
  } else if (outerFwd) flow.enter(outerFwd);
  const grad = newWhileContext(flow.em.graph.uniqueName(fwd.name), fwd.parallelIterations, flow.current, fwd);
  const gs: GradLoopState = {
    forward: fwd,
    outer,
    forwardIndex,
    grad,
    gradIndex: '',
    gradSync: null,
    forwardSync: null,
    history: new Map(),
    switchMap: new Map(),
    unusedExits: [],
    deferredExits: [],
    forwardLoopExits,
    pendingExitsCount: forwardLoopExits.length,
  };
  flow.byGrad.set(grad, gs);
  const realCount = outer ? addBackpropAccumulatedValue(flow, outer, history, count) : count;
  gs.gradIndex = addBackpropLoopCounter(flow, grad, realCount, outer);
  if (outer) flow.exit(outer.grad);
  else if (outerFwd) flow.exit(outerFwd);
  flow.states.set(fwd, gs);
  for (const t of forwardLoopExits) {
    const n = flow.em.node(t);
    if (!between.has(n)) {
      between.add(n);
      betweenList.push(n);
    }
  }
}

/** AddForwardLoopCounter: `n = 0; while (pivot) n++`; returns the count's Exit and its NextIteration. */
function addForwardLoopCounter(
  flow: ControlFlowState,
  fwd: WhileContext,
  outer: GradLoopState | null,
): [string, string] {
  const em = flow.em;
  const n = em.constant(0, I32, 'f_count');
  // an inner loop's count starts after the outer counter's Add of its iteration
  if (outer) addControlInput(em.node(n), em.node(inputs(em.node(outer.forwardIndex))[0]!).name);
  flow.enter(fwd);
  fwd.values.add(n);
  const enter = flow.enterOp(n, fwd, false, 'f_count');
  fwd.loopEnters.push(enter);
  const merge = em.op('Merge', [enter, enter]);
  const sw = em.op('Switch', [output(merge), `${fwd.pivot}:0`]);
  const index = em.t('AddV2', [`${sw.name}:1`, { value: 1, dtype: I32 }], {}, 'Add');
  const next = em.t('NextIteration', [index]);
  merge.input[1] = next;
  const total = em.t('Exit', [output(sw)], {}, 'f_count');
  fwd.loopExits.push(total);
  flow.exitResult(fwd, total);
  flow.exit(fwd);
  return [total, next];
}

/** AddBackpropLoopCounter: `n = count; while (n >= 1) n--`; returns the NextIteration (the gradient index). */
function addBackpropLoopCounter(
  flow: ControlFlowState,
  grad: WhileContext,
  count: string,
  outer: GradLoopState | null,
): string {
  const em = flow.em;
  const one = em.constant(1, I32, 'b_count');
  flow.enter(grad);
  grad.values.add(count);
  const enter = flow.enterOp(count, grad, false, 'b_count');
  grad.loopEnters.push(enter);
  const merge = em.op('Merge', [enter, enter]);
  grad.pivotForPred = merge.name;
  const pred = em.t('GreaterEqual', [output(merge), one]);
  grad.pivot = em.op('LoopCond', [pred], {}, 'b_count').name;
  const sw = em.op('Switch', [output(merge), `${grad.pivot}:0`]);
  const index = em.t('Sub', [`${sw.name}:1`, one]);
  grad.pivotForBody = parseInput(index).node;
  const next = em.t('NextIteration', [index]);
  merge.input[1] = next;
  const finalZero = em.t('Exit', [output(sw)], {}, 'b_count');
  grad.loopExits.push(finalZero);
  // the outer gradient loop's next iteration waits for this loop to end
  if (outer) addControlInput(em.node(gradSync(flow, outer)), em.node(finalZero).name);
  flow.exitResult(grad, finalZero);
  flow.exit(grad);
  return next;
}

/** GetRealValue: the value a forward tensor had in the iteration the gradient loop is running. */
export function realValue(flow: ControlFlowState, gs: GradLoopState, value: string): string {
  const known = gs.history.get(value);
  if (known) return known;
  let real: string | undefined;
  let history = '';
  let cur = value;
  let curState: GradLoopState | null = gs;
  for (;;) {
    const enter = loopConstantEnter(flow.em, cur);
    const node = flow.em.node(cur);
    if (enter) {
      // a loop invariant: the value outside the loop, entered into the gradient loop as it is
      cur = canonical(inputs(enter)[0]!);
      curState = curState!.outer;
      if (!curState) {
        real = flow.addValue(gs.grad, cur);
        break;
      }
    } else if (node.op === 'Const') {
      real = output(flow.em.create('Const', [], { dtype: node.attr.dtype!, value: node.attr.value! }, 'Const'));
      break;
    } else {
      flow.exit(gs.grad);
      history = addForwardAccumulator(flow, curState!, cur);
      flow.enter(gs.grad);
      break;
    }
  }
  if (real === undefined) {
    real = addBackpropAccumulatedValue(flow, curState!, history, cur);
    // a value of an outer loop, popped in the outer gradient loop, is entered into this one
    if (curState !== gs) real = flow.addValue(gs.grad, real);
  }
  gs.history.set(value, real);
  return real;
}

/** AddForwardAccumulator: a stack `f_acc` (colocated with the value) pushed in every forward iteration. */
function addForwardAccumulator(flow: ControlFlowState, gs: GradLoopState, value: string): string {
  const em = flow.em;
  const curr = flow.current;
  return flow.outside(() => {
    if (curr) flow.enter(curr);
    const acc = em.colocate(value, () => {
      const max = em.constant(-1, I32);
      return em.t('StackV2', [max], { elem_type: attr.type(em.dtype(value)) }, 'f_acc');
    });
    if (curr) flow.exit(curr);
    const enterAcc = flow.addValue(gs.forward, acc);
    const valueCtx = outputContextOf(em.graph, em.node(value));
    if (valueCtx !== gs.forward && valueCtx?.kind !== 'cond')
      throw unsupported(`saving '${value}' for the gradient of loop '${gs.forward.name}'`, em.node(value).name);
    // a value of a cond branch is pushed in the branch (only when it runs): the counter waits through f_sync
    flow.enter(valueCtx);
    const push = em.op('StackPushV2', [enterAcc, value], { swap_memory: attr.b(false) });
    flow.exit(valueCtx);
    if (valueCtx === gs.forward) addControlInput(em.node(gs.forwardIndex), push.name);
    else addControlInput(em.node(forwardSync(flow, gs)), push.name);
    // the push runs after the counter's Add of its iteration
    addControlInput(push, em.node(inputs(em.node(gs.forwardIndex))[0]!).name);
    return acc;
  });
}

/** AddBackpropAccumulatedValue: the pop in the gradient loop (after b_sync when iterations run in parallel). */
function addBackpropAccumulatedValue(
  flow: ControlFlowState,
  gs: GradLoopState,
  history: string,
  value: string,
  deadBranch = false,
): string {
  const em = flow.em;
  // a value of a cond branch: its stack is popped only when the branch ran (a Switch on the saved predicate)
  const historyCtx = contextOf(em.graph, history);
  let cond: CondContext | null = null;
  for (let c = contextOf(em.graph, value); c && c !== historyCtx; c = c.outer)
    if (c.kind === 'cond') {
      cond = c;
      break;
    }
  const pop = flow.outside(() => {
    flow.enter(gs.grad);
    if (cond) {
      let pred: string | undefined;
      for (let s: GradLoopState | null = gs; !pred && s; s = s.outer) pred = s.history.get(cond.pred);
      const branch = deadBranch ? 1 - cond.branch : cond.branch;
      history = switchOf(em, history, pred ?? cond.pred)[branch]!;
    }
    const p = em.t('StackPopV2', [history], { elem_type: attr.type(em.dtype(value)) });
    em.setShape(p, em.shape(value));
    flow.exit(gs.grad);
    return p;
  });
  if (gs.grad.parallelIterations > 1) addControlInput(em.node(gradSync(flow, gs)), em.node(pop).name);
  return pop;
}

/** forward_sync: a ControlTrigger `f_sync` the forward index waits for. */
function forwardSync(flow: ControlFlowState, gs: GradLoopState): string {
  if (!gs.forwardSync) {
    const sync = flow.outside(() => flow.em.op('ControlTrigger', [], {}, 'f_sync'));
    setContext(flow.em.graph, sync.name, gs.forward);
    addControlInput(flow.em.node(gs.forwardIndex), sync.name);
    gs.forwardSync = sync.name;
  }
  return gs.forwardSync;
}

/** grad_sync: a ControlTrigger `b_sync` the gradient index waits for. */
function gradSync(flow: ControlFlowState, gs: GradLoopState): string {
  if (!gs.gradSync) {
    const sync = flow.outside(() => flow.em.op('ControlTrigger', [], {}, 'b_sync'));
    setContext(flow.em.graph, sync.name, gs.grad);
    addControlInput(flow.em.node(gs.gradIndex), sync.name);
    gs.gradSync = sync.name;
  }
  return gs.gradSync;
}

/** AddBackpropAccumulator: a loop invariant's gradient summed over the iterations (`b_acc`). */
export function addBackpropAccumulator(flow: ControlFlowState, grad: WhileContext, op: NodeDef, g: string): string {
  const em = flow.em;
  flow.exit(grad);
  const shape = em.fullyDefined(g);
  const dtype = em.dtype(g);
  if (!shape && grad.outer) throw unsupported(`accumulating a gradient of unknown shape in a nested loop`, op.name);
  // the initial sum is made in the context around the gradient loop
  if (grad.outer) flow.enter(grad.outer);
  const acc = shape
    ? em.constant(0, dtype, 'b_acc', shape)
    : em.fill(em.t('Shape', [inputs(op)[0]!], { out_type: attr.type(I32) }), 0, dtype, 'zeros');
  if (grad.outer) flow.exit(grad.outer);
  flow.enter(grad);
  grad.values.add(acc);
  const enter = flow.enterOp(acc, grad, false, 'b_acc');
  grad.loopEnters.push(enter);
  const merge = em.op('Merge', [enter, enter], {}, 'b_acc');
  const sw = em.op('Switch', [output(merge), `${grad.pivot}:0`]);
  const add = em.t('AddV2', [`${sw.name}:1`, g], {}, 'Add');
  merge.input[1] = em.t('NextIteration', [add]);
  const result = em.t('Exit', [output(sw)], {}, 'b_acc');
  grad.loopExits.push(result);
  flow.exitResult(grad, result);
  return result;
}

/** _AddNextAndBackEdge: the second input of a b_switch Merge. */
export function addNextAndBackEdge(flow: ControlFlowState, merge: string, v: string): void {
  const next = flow.em.t('NextIteration', [v]);
  flow.em.node(merge).input[1] = next;
}

/** A cond's predicate as the gradient loop sees it: saved on a stack in the forward loop (once). */
export function realPred(flow: ControlFlowState, pred: string): string {
  const gs = flow.gradStateOf(flow.current);
  if (!gs) return pred;
  let real = gs.history.get(pred);
  if (!real) {
    flow.exit(gs.grad);
    const history = addForwardAccumulator(flow, gs, pred);
    flow.enter(gs.grad);
    real = addBackpropAccumulatedValue(flow, gs, history, pred);
    gs.history.set(pred, real);
  }
  return real;
}

/** util.GetLoopConstantEnter: the loop-invariant Enter behind a chain of Identity / Switch, if any. */
function loopConstantEnter(em: Emitter, t: string): NodeDef | null {
  let n = em.node(t);
  while (['Switch', 'RefSwitch', 'Identity', 'RefIdentity'].includes(n.op)) n = em.node(inputs(n)[0]!);
  return isLoopConstantEnter(n) ? n : null;
}
