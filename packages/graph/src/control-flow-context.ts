// The control-flow contexts of a graph's ops (TensorFlow's WhileContext / CondContext, op._control_flow_context): which
// loop or cond branch each op was made in. GraphBuilder.whileLoop and cond record them; gradients() reads them to build
// the gradient loop, and records the contexts of the ops it makes. A GraphDef carries no contexts, so an imported
// graph's loops have none here.
import type { Graph, NodeDef } from './graph.js';
import { parseInput } from './names.js';

interface ContextBase {
  /** Tensors (`node:k`) known inside: made here, or made available (AddName, AddValue). */
  readonly values: Set<string>;
  /** An outside tensor → the tensor standing for it inside (an Enter, a Switch, a stack pop). */
  readonly external: Map<string, string>;
  readonly outer: ControlFlowContext | null;
}

export interface WhileContext extends ContextBase {
  readonly kind: 'while';
  /** The frame name (`while/while_context`). */
  readonly name: string;
  readonly parallelIterations: number;
  /** The LoopCond op. */
  pivot: string;
  /** The first Merge (pivot_for_pred) and the first body Identity (pivot_for_body). */
  pivotForPred: string;
  pivotForBody: string;
  /** Enter and Exit tensors of the loop variables (and of counters and accumulators added for gradients). */
  readonly loopEnters: string[];
  readonly loopExits: string[];
  /** Set on a gradient loop: the forward loop it runs backwards. */
  readonly forward: WhileContext | null;
}

export interface CondContext extends ContextBase {
  readonly kind: 'cond';
  /** The predicate as the branch sees it (`cond/pred_id:0`) and the branch's pivot op (`cond/switch_t`). */
  readonly pred: string;
  readonly pivot: string;
  readonly branch: 0 | 1;
}

export type ControlFlowContext = WhileContext | CondContext;

const byGraph = new WeakMap<Graph, Map<string, ControlFlowContext>>();

function table(g: Graph): Map<string, ControlFlowContext> {
  let t = byGraph.get(g);
  if (!t) {
    t = new Map();
    byGraph.set(g, t);
  }
  return t;
}

/** op._control_flow_context: the context the op was made in, null outside any. */
export function contextOf(g: Graph, node: string): ControlFlowContext | null {
  return byGraph.get(g)?.get(parseInput(node).node) ?? null;
}

export function setContext(g: Graph, node: string, ctx: ControlFlowContext | null): void {
  if (ctx) table(g).set(parseInput(node).node, ctx);
  else byGraph.get(g)?.delete(parseInput(node).node);
}

/** Whether any op of the graph has a recorded context. */
export function hasContexts(g: Graph): boolean {
  return (byGraph.get(g)?.size ?? 0) > 0;
}

export function newWhileContext(
  name: string,
  parallelIterations: number,
  outer: ControlFlowContext | null,
  forward: WhileContext | null = null,
): WhileContext {
  return {
    kind: 'while',
    name,
    parallelIterations,
    pivot: '',
    pivotForPred: '',
    pivotForBody: '',
    loopEnters: [],
    loopExits: [],
    forward,
    values: new Set(),
    external: new Map(),
    outer,
  };
}

export function newCondContext(
  pred: string,
  pivot: string,
  branch: 0 | 1,
  outer: ControlFlowContext | null,
): CondContext {
  return { kind: 'cond', pred, pivot, branch, values: new Set(), external: new Map(), outer };
}

/** ControlFlowContext.GetWhileContext: the innermost loop around a context. */
export function whileOf(ctx: ControlFlowContext | null): WhileContext | null {
  while (ctx && ctx.kind !== 'while') ctx = ctx.outer;
  return ctx;
}

export const isLoopExit = (n: NodeDef): boolean => n.op === 'Exit' || n.op === 'RefExit';
export const isSwitch = (n: NodeDef): boolean => n.op === 'Switch' || n.op === 'RefSwitch';
export const isLoopConstantEnter = (n: NodeDef): boolean =>
  (n.op === 'Enter' || n.op === 'RefEnter') && n.attr.is_constant?.b === true;

/** util.GetOutputContext: an Exit's outputs live in the context around its loop. */
export function outputContextOf(g: Graph, n: NodeDef): ControlFlowContext | null {
  const ctx = contextOf(g, n.name);
  return ctx && isLoopExit(n) ? ctx.outer : ctx;
}

/** util.IsLoopSwitch: a Switch of a while loop's variable (on its LoopCond; not a cond's Switch in a loop body). */
export function isLoopSwitch(g: Graph, n: NodeDef): boolean {
  const ctx = contextOf(g, n.name);
  const pred = n.input.filter((i) => !i.startsWith('^'))[1];
  return isSwitch(n) && ctx?.kind === 'while' && pred !== undefined && parseInput(pred).node === ctx.pivot;
}
