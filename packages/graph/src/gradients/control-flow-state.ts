// The contexts gradients() builds in, as TensorFlow's control flow v1 does it (WhileContext.AddValue / AddOp and
// CondContext.AddValue / AddOp in control_flow_ops.py): an op made while a context is current is added to it: outside
// inputs are entered into a loop (once per tensor) or switched into a cond branch, an op with no input gets a control
// input on the pivot, and a forward loop's value used in a gradient loop is replaced by its saved value (grad-loop.ts).
import { attr } from '../attrs.js';
import {
  type CondContext,
  type ControlFlowContext,
  contextOf,
  isLoopConstantEnter,
  isLoopExit,
  outputContextOf,
  setContext,
  type WhileContext,
  whileOf,
} from '../control-flow-context.js';
import { GraphError } from '../errors.js';
import type { NodeDef } from '../graph.js';
import { parseInput } from '../names.js';
import type { Emitter } from './emitter.js';
import { type GradLoopState, realValue } from './grad-loop.js';
import { canonical, inputs, output } from './node-io.js';

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
  /** Gradient loop → its state. */
  readonly byGrad = new Map<WhileContext, GradLoopState>();

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
        const real = realValue(this, gs, val);
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

  // ---- zeros for missing gradients ----
}

/** _SwitchRefOrTensor: a Switch colocated with its data; its [false, true] outputs. */
export function switchOf(em: Emitter, data: string, pred: string, name = 'Switch'): [string, string] {
  const op = em.node(data).op.startsWith('Ref') ? 'RefSwitch' : 'Switch';
  const sw = em.colocate(data, () => em.op(op, [data, pred], {}, name));
  return [output(sw, 0), output(sw, 1)];
}

/** op._add_control_input (a GraphDef lists control inputs sorted by name). */
export function addControlInput(node: NodeDef, dep: string): void {
  const controls = new Set(node.input.filter((i) => i.startsWith('^')).map((i) => i.slice(1)));
  controls.add(dep);
  node.input = [...node.input.filter((i) => !i.startsWith('^')), ...[...controls].sort().map((c) => `^${c}`)];
}
