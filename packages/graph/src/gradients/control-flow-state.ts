// The contexts gradients() builds in, as TensorFlow's control flow v1 does it (control_flow_state.py, and
// WhileContext.AddValue / AddOp / AddForwardLoopCounter / AddBackpropLoopCounter in control_flow_ops.py).
//
// For every forward while loop between xs and ys a gradient loop is made (a _GradLoopState): the forward loop gets a
// counter (`f_count`: Enter, Merge, Switch, Add, NextIteration, Exit), the gradient loop a frame of its own
// (`gradients/<loop>/while_context`) run by a counter counting that number down (`b_count`, GreaterEqual, Sub). A
// forward tensor a gradient op uses is pushed on a stack in each forward iteration (StackV2 `f_acc`, StackPushV2) and
// popped in the matching backward one (StackPopV2); a loop invariant is entered into the gradient frame instead, and a
// Const is made again. Ops made while a context is current are added to it (AddOp): outside inputs are entered (once
// per tensor), ops with no input get a control input on the pivot.
//
// A loop inside a loop: the inner loop's iteration count of each outer iteration is pushed on a stack of the outer
// loop and popped by the outer gradient loop to run the inner gradient loop as many times.
//
// A cond inside a loop: its predicate is stacked too, and a branch's values are pushed in the branch (the forward
// counter waits through `f_sync`) and popped through a Switch on the saved predicate.
//
// Not mirrored (refused with UNSUPPORTED_OP naming the construct): a cond inside a cond, second-order gradients of a
// loop, IndexedSlices gradients of a loop invariant, unknown shapes where a nested loop would stack them.
import { DataType } from '@tensorgraft/proto';
import { attr } from '../attrs.js';
import {
  type CondContext,
  type ControlFlowContext,
  contextOf,
  isLoopConstantEnter,
  isLoopExit,
  isLoopSwitch,
  isSwitch,
  newWhileContext,
  outputContextOf,
  setContext,
  type WhileContext,
  whileOf,
} from '../control-flow-context.js';
import { GraphError } from '../errors.js';
import type { NodeDef } from '../graph.js';
import { parseInput } from '../names.js';
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

export function unsupported(what: string, node?: string): GraphError {
  return new GraphError('UNSUPPORTED_OP', `gradients(): ${what} is not supported`, node ? { node } : {});
}

export class ControlFlowState {
  /** graph._get_control_flow_context() while gradients() runs. */
  current: ControlFlowContext | null = null;
  /** Each context's own Enter/Exit stack (ControlFlowContext._context_stack). */
  private readonly stacks = new Map<ControlFlowContext, (ControlFlowContext | null)[]>();
  /** Forward loop → its gradient state (the _ControlFlowState map). */
  readonly states = new Map<WhileContext, GradLoopState>();
  private readonly byGrad = new Map<WhileContext, GradLoopState>();

  constructor(readonly em: Emitter) {}

  /** The create hook: an op made while a context is current belongs to it (ControlFlowContext.AddOp). */
  readonly hook = (node: NodeDef): void => {
    const ctx = this.current;
    if (!ctx) return;
    setContext(this.em.graph, node.name, ctx);
    if (ctx.kind === 'cond') this.addCondOp(ctx, node);
    else this.addOp(ctx, node);
  };

  enter(ctx: ControlFlowContext): void {
    let stack = this.stacks.get(ctx);
    if (!stack) {
      stack = [];
      this.stacks.set(ctx, stack);
    }
    stack.push(this.current);
    this.current = ctx;
  }

  exit(ctx: ControlFlowContext): void {
    this.current = this.stacks.get(ctx)?.pop() ?? null;
  }

  /** ExitResult: a context's result is known to the context around it. */
  exitResult(ctx: ControlFlowContext, t: string): void {
    ctx.outer?.values.add(t);
  }

  /** ops.control_dependencies(None): no control inputs, and no context. */
  outside<T>(fn: () => T): T {
    const saved = this.current;
    this.current = null;
    try {
      return this.em.controlDependencies(null, () => this.em.graph.withControlDependencies(null, fn));
    } finally {
      this.current = saved;
    }
  }

  /** The gradient state of a gradient loop (a forward loop has none). */
  gradStateOf(ctx: ControlFlowContext | null): GradLoopState | undefined {
    const w = whileOf(ctx);
    return w ? this.byGrad.get(w) : undefined;
  }

  /** ControlFlowState.GetGradState: an Exit's gradient is made around its loop, before its aggregation. */
  gradStateFor(op: NodeDef, before: boolean): GradLoopState | undefined {
    const ctx = contextOf(this.em.graph, op.name);
    const fwd = before && isLoopExit(op) ? whileOf(ctx?.outer ?? null) : whileOf(ctx);
    return fwd ? this.states.get(fwd) : undefined;
  }

  enterGradContext(op: NodeDef, before: boolean): void {
    const gs = this.gradStateFor(op, before);
    if (gs) this.enter(gs.grad);
  }

  exitGradContext(op: NodeDef, before: boolean): void {
    const gs = this.gradStateFor(op, before);
    if (gs) this.exit(gs.grad);
  }

  // ---- contexts adding ops and values ----

  /** _Enter: an Enter of `t` into `frame`, with t's static shape. */
  enterOp(t: string, ctx: WhileContext, isConstant: boolean, name = 'Enter'): string {
    const a = {
      frame_name: attr.s(ctx.name),
      is_constant: attr.b(isConstant),
      parallel_iterations: attr.i(ctx.parallelIterations),
    };
    const e = output(this.em.op('Enter', [t], a, name));
    this.em.setShape(e, this.em.shape(t));
    return e;
  }

  private has(ctx: ControlFlowContext, t: string): boolean {
    if (ctx.values.has(t)) return true;
    let c = contextOf(this.em.graph, t);
    if (c === ctx) return true;
    // a cond's values are known to every context around it
    if (c?.kind !== 'cond') return false;
    for (c = c.outer; c; c = c.outer) if (c === ctx) return true;
    return false;
  }

  /** CondContext.AddValue: an outside tensor reaches a branch through a Switch on the predicate. */
  private addCondValue(ctx: CondContext, val: string): string {
    val = canonical(val);
    if (this.has(ctx, val)) return ctx.external.get(val) ?? val;
    ctx.values.add(val);
    let outside = val;
    if (ctx.outer) {
      if (ctx.outer.kind !== 'while') throw unsupported('a cond inside a cond', this.em.node(val).name);
      outside = this.addValue(ctx.outer, val);
      ctx.values.add(outside);
      ctx.external.set(outside, outside);
    }
    const sw = this.outside(() => switchOf(this.em, outside, ctx.pred)[ctx.branch]);
    setContext(this.em.graph, sw, ctx);
    for (let c: ControlFlowContext | null = ctx; c; c = c.outer) c.values.add(sw);
    ctx.external.set(val, sw);
    return sw;
  }

  /** CondContext._AddOpInternal: outside inputs through Switches, an op with no input waits for the pivot. */
  private addCondOp(ctx: CondContext, node: NodeDef): void {
    const data = inputs(node);
    if (!data.length) {
      const internal = this.splitControls(whileOf(ctx), node)[0];
      if (!internal.some((c) => contextOf(this.em.graph, c) === ctx)) addControlInput(node, ctx.pivot);
      return;
    }
    let k = 0;
    node.input = node.input.map((i) => {
      if (i.startsWith('^')) return i;
      const real = this.addCondValue(ctx, data[k++]!);
      return real === canonical(i) ? i : real;
    });
    this.splitControls(whileOf(ctx), node);
  }

  /** WhileContext.AddValue: the tensor standing for `val` inside `ctx`. */
  addValue(ctx: WhileContext, val: string): string {
    val = canonical(val);
    if (this.has(ctx, val)) return ctx.external.get(val) ?? val;
    ctx.values.add(val);
    const gs = this.gradStateOf(this.current);
    if (gs) {
      const node = this.em.node(val);
      let fwd = whileOf(contextOf(this.em.graph, node.name));
      if (isLoopExit(node)) fwd = whileOf(fwd?.outer ?? null);
      if (fwd === gs.forward) {
        const real = this.realValue(gs, val);
        ctx.external.set(val, real);
        return real;
      }
    }
    let outside = val;
    if (ctx.outer) {
      if (ctx.outer.kind !== 'while') throw unsupported('a loop inside a cond', this.em.node(val).name);
      outside = this.addValue(ctx.outer, val);
    }
    const enter = this.outside(() => this.enterOp(outside, ctx, true));
    // _FixControlInputsAndContext: the Enter is the loop's
    setContext(this.em.graph, enter, ctx);
    ctx.values.add(enter);
    ctx.external.set(val, enter);
    return enter;
  }

  private addOp(ctx: WhileContext, node: NodeDef): void {
    // a shape of a forward tensor is taken in the forward loop (no stack needed for it)
    if (node.op === 'Shape' || node.op === 'Size' || node.op === 'Rank') {
      const gs = this.gradStateOf(this.current);
      const src = contextOf(this.em.graph, inputs(node)[0]!);
      if (gs && whileOf(src) === gs.forward) {
        if (src?.kind !== 'while') throw unsupported('a shape taken inside a cond inside a loop', node.name);
        setContext(this.em.graph, node.name, src);
        this.addOpInternal(src, node);
        return;
      }
    }
    this.addOpInternal(ctx, node);
  }

  private addOpInternal(ctx: WhileContext, node: NodeDef): void {
    const data = inputs(node);
    let external: string[];
    if (!data.length) {
      const [internal, ext] = this.splitControls(ctx, node);
      external = ext;
      if (!internal.length) addControlInput(node, ctx.pivotForBody || ctx.pivotForPred);
    } else {
      let k = 0;
      node.input = node.input.map((i) => {
        if (i.startsWith('^')) return i;
        const real = this.addValue(ctx, data[k++]!);
        return real === canonical(i) ? i : real;
      });
      external = this.splitControls(ctx, node)[1];
      // _MaybeAddControlDependency: an op fed only by loop invariants runs once per iteration through the pivot
      const controls = node.input.some((i) => i.startsWith('^'));
      if (!controls && inputs(node).every((i) => isLoopConstantEnter(this.em.node(i))))
        addControlInput(node, ctx.pivotForBody || ctx.pivotForPred);
    }
    if (external.length) {
      // an outside control input waits through an Identity made inside the loop
      const ids = this.outside(() => {
        this.enter(ctx);
        const made = external.map((x) => parseInput(this.em.identity(`${x}:0`)).node);
        this.exit(ctx);
        return made;
      });
      for (const id of ids) addControlInput(node, id);
    }
  }

  /** _RemoveExternalControlEdges: control inputs from outside the loop are dropped (and returned). */
  private splitControls(ctx: WhileContext | null, node: NodeDef): [string[], string[]] {
    if (!ctx) return [node.input.filter((i) => i.startsWith('^')).map((i) => i.slice(1)), []];
    const controls = node.input.filter((i) => i.startsWith('^')).map((i) => i.slice(1));
    const internal: string[] = [];
    const external: string[] = [];
    for (const c of controls) {
      const cctx = outputContextOf(this.em.graph, this.em.node(c));
      (whileOf(cctx) === ctx ? internal : external).push(c);
    }
    if (internal.length !== controls.length)
      node.input = [...node.input.filter((i) => !i.startsWith('^')), ...internal.map((c) => `^${c}`)];
    return [internal, external];
  }

  // ---- the gradient loop ----

  /** ControlFlowState.AddWhileContext: a gradient state for the loop `exit` leaves; its exits join the between ops. */
  addWhileContext(exit: NodeDef, between: Set<NodeDef>, betweenList: NodeDef[]): void {
    const fwd = whileOf(contextOf(this.em.graph, exit.name));
    if (!fwd)
      throw unsupported(
        `the gradient of loop exit '${exit.name}' without a recorded while loop (build it with GraphBuilder.whileLoop)`,
        exit.name,
      );
    if (this.states.has(fwd)) return;
    if (fwd.outer && fwd.outer.kind !== 'while') throw unsupported(`the gradient of a loop inside a cond`, exit.name);
    const outerFwd = whileOf(fwd.outer);
    const outer = outerFwd ? (this.states.get(outerFwd) ?? null) : null;
    const forwardLoopExits = [...fwd.loopExits];
    if (outerFwd) this.enter(outerFwd);
    const [count, forwardIndex] = this.addForwardLoopCounter(fwd, outer);
    if (outerFwd) this.exit(outerFwd);
    let history = '';
    if (outer) {
      // the inner loop's iteration count of each outer iteration, saved for the outer gradient loop
      outerFwd!.values.add(count);
      history = this.addForwardAccumulator(outer, count);
      this.enter(outer.grad);
    } else if (outerFwd) this.enter(outerFwd);
    const grad = newWhileContext(this.em.graph.uniqueName(fwd.name), fwd.parallelIterations, this.current, fwd);
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
    this.byGrad.set(grad, gs);
    const realCount = outer ? this.addBackpropAccumulatedValue(outer, history, count) : count;
    gs.gradIndex = this.addBackpropLoopCounter(grad, realCount, outer);
    if (outer) this.exit(outer.grad);
    else if (outerFwd) this.exit(outerFwd);
    this.states.set(fwd, gs);
    for (const t of forwardLoopExits) {
      const n = this.em.node(t);
      if (!between.has(n)) {
        between.add(n);
        betweenList.push(n);
      }
    }
  }

  /** AddForwardLoopCounter: `n = 0; while (pivot) n++`; returns the count's Exit and its NextIteration. */
  private addForwardLoopCounter(fwd: WhileContext, outer: GradLoopState | null): [string, string] {
    const em = this.em;
    const n = em.constant(0, I32, 'f_count');
    // an inner loop's count starts after the outer counter's Add of its iteration
    if (outer) addControlInput(em.node(n), em.node(inputs(em.node(outer.forwardIndex))[0]!).name);
    this.enter(fwd);
    fwd.values.add(n);
    const enter = this.enterOp(n, fwd, false, 'f_count');
    fwd.loopEnters.push(enter);
    const merge = em.op('Merge', [enter, enter]);
    const sw = em.op('Switch', [output(merge), `${fwd.pivot}:0`]);
    const index = em.t('AddV2', [`${sw.name}:1`, { value: 1, dtype: I32 }], {}, 'Add');
    const next = em.t('NextIteration', [index]);
    merge.input[1] = next;
    const total = em.t('Exit', [output(sw)], {}, 'f_count');
    fwd.loopExits.push(total);
    this.exitResult(fwd, total);
    this.exit(fwd);
    return [total, next];
  }

  /** AddBackpropLoopCounter: `n = count; while (n >= 1) n--`; returns the NextIteration (the gradient index). */
  private addBackpropLoopCounter(grad: WhileContext, count: string, outer: GradLoopState | null): string {
    const em = this.em;
    const one = em.constant(1, I32, 'b_count');
    this.enter(grad);
    grad.values.add(count);
    const enter = this.enterOp(count, grad, false, 'b_count');
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
    if (outer) addControlInput(em.node(this.gradSync(outer)), em.node(finalZero).name);
    this.exitResult(grad, finalZero);
    this.exit(grad);
    return next;
  }

  /** GetRealValue: the value a forward tensor had in the iteration the gradient loop is running. */
  private realValue(gs: GradLoopState, value: string): string {
    const known = gs.history.get(value);
    if (known) return known;
    let real: string | undefined;
    let history = '';
    let cur = value;
    let curState: GradLoopState | null = gs;
    for (;;) {
      const enter = loopConstantEnter(this.em, cur);
      const node = this.em.node(cur);
      if (enter) {
        // a loop invariant: the value outside the loop, entered into the gradient loop as it is
        cur = canonical(inputs(enter)[0]!);
        curState = curState!.outer;
        if (!curState) {
          real = this.addValue(gs.grad, cur);
          break;
        }
      } else if (node.op === 'Const') {
        real = output(this.em.create('Const', [], { dtype: node.attr.dtype!, value: node.attr.value! }, 'Const'));
        break;
      } else {
        this.exit(gs.grad);
        history = this.addForwardAccumulator(curState!, cur);
        this.enter(gs.grad);
        break;
      }
    }
    if (real === undefined) {
      real = this.addBackpropAccumulatedValue(curState!, history, cur);
      // a value of an outer loop, popped in the outer gradient loop, is entered into this one
      if (curState !== gs) real = this.addValue(gs.grad, real);
    }
    gs.history.set(value, real);
    return real;
  }

  /** AddForwardAccumulator: a stack `f_acc` (colocated with the value) pushed in every forward iteration. */
  private addForwardAccumulator(gs: GradLoopState, value: string): string {
    const em = this.em;
    const curr = this.current;
    return this.outside(() => {
      if (curr) this.enter(curr);
      const acc = em.colocate(value, () => {
        const max = em.constant(-1, I32);
        return em.t('StackV2', [max], { elem_type: attr.type(em.dtype(value)) }, 'f_acc');
      });
      if (curr) this.exit(curr);
      const enterAcc = this.addValue(gs.forward, acc);
      const valueCtx = outputContextOf(em.graph, em.node(value));
      if (valueCtx !== gs.forward && valueCtx?.kind !== 'cond')
        throw unsupported(`saving '${value}' for the gradient of loop '${gs.forward.name}'`, em.node(value).name);
      // a value of a cond branch is pushed in the branch (only when it runs): the counter waits through f_sync
      this.enter(valueCtx);
      const push = em.op('StackPushV2', [enterAcc, value], { swap_memory: attr.b(false) });
      this.exit(valueCtx);
      if (valueCtx === gs.forward) addControlInput(em.node(gs.forwardIndex), push.name);
      else addControlInput(em.node(this.forwardSync(gs)), push.name);
      // the push runs after the counter's Add of its iteration
      addControlInput(push, em.node(inputs(em.node(gs.forwardIndex))[0]!).name);
      return acc;
    });
  }

  /** AddBackpropAccumulatedValue: the pop in the gradient loop (after b_sync when iterations run in parallel). */
  private addBackpropAccumulatedValue(gs: GradLoopState, history: string, value: string, deadBranch = false): string {
    const em = this.em;
    // a value of a cond branch: its stack is popped only when the branch ran (a Switch on the saved predicate)
    const historyCtx = contextOf(em.graph, history);
    let cond: CondContext | null = null;
    for (let c = contextOf(em.graph, value); c && c !== historyCtx; c = c.outer)
      if (c.kind === 'cond') {
        cond = c;
        break;
      }
    const pop = this.outside(() => {
      this.enter(gs.grad);
      if (cond) {
        let pred: string | undefined;
        for (let s: GradLoopState | null = gs; !pred && s; s = s.outer) pred = s.history.get(cond.pred);
        const branch = deadBranch ? 1 - cond.branch : cond.branch;
        history = switchOf(em, history, pred ?? cond.pred)[branch]!;
      }
      const p = em.t('StackPopV2', [history], { elem_type: attr.type(em.dtype(value)) });
      em.setShape(p, em.shape(value));
      this.exit(gs.grad);
      return p;
    });
    if (gs.grad.parallelIterations > 1) addControlInput(em.node(this.gradSync(gs)), em.node(pop).name);
    return pop;
  }

  /** forward_sync: a ControlTrigger `f_sync` the forward index waits for. */
  private forwardSync(gs: GradLoopState): string {
    if (!gs.forwardSync) {
      const sync = this.outside(() => this.em.op('ControlTrigger', [], {}, 'f_sync'));
      setContext(this.em.graph, sync.name, gs.forward);
      addControlInput(this.em.node(gs.forwardIndex), sync.name);
      gs.forwardSync = sync.name;
    }
    return gs.forwardSync;
  }

  /** grad_sync: a ControlTrigger `b_sync` the gradient index waits for. */
  private gradSync(gs: GradLoopState): string {
    if (!gs.gradSync) {
      const sync = this.outside(() => this.em.op('ControlTrigger', [], {}, 'b_sync'));
      setContext(this.em.graph, sync.name, gs.grad);
      addControlInput(this.em.node(gs.gradIndex), sync.name);
      gs.gradSync = sync.name;
    }
    return gs.gradSync;
  }

  /** AddBackpropAccumulator: a loop invariant's gradient summed over the iterations (`b_acc`). */
  addBackpropAccumulator(grad: WhileContext, op: NodeDef, g: string): string {
    const em = this.em;
    this.exit(grad);
    const shape = em.fullyDefined(g);
    const dtype = em.dtype(g);
    if (!shape && grad.outer) throw unsupported(`accumulating a gradient of unknown shape in a nested loop`, op.name);
    // the initial sum is made in the context around the gradient loop
    if (grad.outer) this.enter(grad.outer);
    const acc = shape
      ? em.constant(0, dtype, 'b_acc', shape)
      : em.fill(em.t('Shape', [inputs(op)[0]!], { out_type: attr.type(I32) }), 0, dtype, 'zeros');
    if (grad.outer) this.exit(grad.outer);
    this.enter(grad);
    grad.values.add(acc);
    const enter = this.enterOp(acc, grad, false, 'b_acc');
    grad.loopEnters.push(enter);
    const merge = em.op('Merge', [enter, enter], {}, 'b_acc');
    const sw = em.op('Switch', [output(merge), `${grad.pivot}:0`]);
    const add = em.t('AddV2', [`${sw.name}:1`, g], {}, 'Add');
    merge.input[1] = em.t('NextIteration', [add]);
    const result = em.t('Exit', [output(sw)], {}, 'b_acc');
    grad.loopExits.push(result);
    this.exitResult(grad, result);
    return result;
  }

  /** _AddNextAndBackEdge: the second input of a b_switch Merge. */
  addNextAndBackEdge(merge: string, v: string): void {
    const next = this.em.t('NextIteration', [v]);
    this.em.node(merge).input[1] = next;
  }

  // ---- zeros for missing gradients ----

  /** ZerosLikeForExit: zeros for a loop output no y depends on. */
  zerosLikeForExit(val: string): string {
    const em = this.em;
    const shape = em.fullyDefined(val);
    const outerFwd = whileOf(contextOf(em.graph, val)?.outer ?? null);
    const outer = outerFwd ? this.states.get(outerFwd) : undefined;
    const zeros = () =>
      shape && shape.reduce((a, b) => a * b, 1) < 1000 ? em.constant(0, em.dtype(val), 'zeros', shape) : null;
    if (outer) {
      // an inner loop's unused exit: zeros made in the outer gradient loop
      if (!shape) throw unsupported(`zeros of unknown shape for the unused loop output '${val}'`, em.node(val).name);
      this.enter(outer.grad);
      const z = zeros() ?? em.zerosLike(val);
      this.exit(outer.grad);
      return z;
    }
    return zeros() ?? em.zerosLike(val);
  }

  /** ZerosLikeV1WhileLoop: zeros for output `k` of `op` (none for a loop Switch: its gradient comes later). */
  zerosLikeInLoop(op: NodeDef, k: number): string | null {
    const em = this.em;
    if (isLoopSwitch(em.graph, op)) return null;
    const ctx = contextOf(em.graph, op.name);
    const gs = this.states.get(whileOf(ctx)!);
    if (!gs) return this.zerosLike(op, k);
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

  /** A cond's predicate as the gradient loop sees it: saved on a stack in the forward loop (once). */
  realPred(pred: string): string {
    const gs = this.gradStateOf(this.current);
    if (!gs) return pred;
    let real = gs.history.get(pred);
    if (!real) {
      this.exit(gs.grad);
      const history = this.addForwardAccumulator(gs, pred);
      this.enter(gs.grad);
      real = this.addBackpropAccumulatedValue(gs, history, pred);
      gs.history.set(pred, real);
    }
    return real;
  }

  /** control_flow_state.ZerosLike: a cond Switch's dead output gets zeros shaped like its live one. */
  zerosLike(op: NodeDef, k: number): string {
    const em = this.em;
    const ctx = contextOf(em.graph, op.name);
    if (!isSwitch(op) || !ctx) return em.zerosLike(output(op, k));
    if (ctx.kind !== 'cond') throw unsupported(`zeros for an unused output of '${op.name}'`, op.name);
    const sw = `${em.op('Switch', [inputs(op)[0]!, ctx.pred]).name}:${1 - ctx.branch}`;
    const pivot = em.identity(sw);
    const shape = em.t('Shape', [sw], { out_type: attr.type(I32) });
    return em.controlDependencies([pivot], () => em.fill(shape, 0, em.dtype(output(op, k)), 'zeros'));
  }

  /** PostProcessing: a b_switch Merge whose loop variable got no gradient in the body adds zeros each iteration. */
  postProcessing(): void {
    const em = this.em;
    for (const gs of this.states.values())
      for (const m of gs.switchMap.values()) {
        const merge = em.node(m);
        const [a, b] = inputs(merge);
        if (a !== b) continue;
        const shape = em.fullyDefined(a!);
        let next: string;
        if (shape) {
          this.enter(gs.grad);
          next = em.t('NextIteration', [em.constant(0, em.dtype(a!), 'Const', shape)]);
          this.exit(gs.grad);
        } else {
          const g = inputs(em.node(a!))[0]!;
          const zeros = em.fill(em.t('Shape', [g], { out_type: attr.type(I32) }), 0, DataType.DT_FLOAT, 'zeros');
          if (gs.grad.outer) throw unsupported(`a loop variable of unknown shape with no gradient in a nested loop`);
          this.enter(gs.grad);
          next = em.t('NextIteration', [zeros]);
          this.exit(gs.grad);
        }
        merge.input[1] = next;
      }
  }
}

/** _SwitchRefOrTensor: a Switch colocated with its data; its [false, true] outputs. */
export function switchOf(em: Emitter, data: string, pred: string, name = 'Switch'): [string, string] {
  const op = em.node(data).op.startsWith('Ref') ? 'RefSwitch' : 'Switch';
  const sw = em.colocate(data, () => em.op(op, [data, pred], {}, name));
  return [output(sw, 0), output(sw, 1)];
}

/** util.GetLoopConstantEnter: the loop-invariant Enter behind a chain of Identity / Switch, if any. */
function loopConstantEnter(em: Emitter, t: string): NodeDef | null {
  let n = em.node(t);
  while (['Switch', 'RefSwitch', 'Identity', 'RefIdentity'].includes(n.op)) n = em.node(inputs(n)[0]!);
  return isLoopConstantEnter(n) ? n : null;
}

/** op._add_control_input (a GraphDef lists control inputs sorted by name). */
export function addControlInput(node: NodeDef, dep: string): void {
  const controls = new Set(node.input.filter((i) => i.startsWith('^')).map((i) => i.slice(1)));
  controls.add(dep);
  node.input = [...node.input.filter((i) => !i.startsWith('^')), ...[...controls].sort().map((c) => `^${c}`)];
}
