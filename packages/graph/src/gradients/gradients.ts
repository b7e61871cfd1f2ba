// Symbolic gradients, as tf.compat.v1.gradients builds them (gradients_util._GradientsHelper): under a unique
// `gradients` scope, default grad_ys `grad_ys_<i>` (Fill of ones), the ops between xs and ys found by walking forward
// from xs through float-valued outputs and back from ys, then a queue over ops whose consumers' gradients are all in.
// Several gradients for one tensor are summed by an AddN under `gradients/`; each op's gradient function runs in
// `gradients/<op>_grad/`. StopGradient and the xs' own producers (when nothing between feeds them), and the ops of
// `stopGradients`, pass no gradient back. An x with no path to a y gets null (TensorFlow's None).
import { baseDType, DataType } from '@tensorgraft/proto';
import { read } from '../attrs.js';
import { innermost } from '../builder-context.js';
import { hasContexts, isLoopExit, isLoopSwitch } from '../control-flow-context.js';
import { GraphError } from '../errors.js';
import type { Graph, NodeDef } from '../graph.js';
import { parseInput } from '../names.js';
import { getOpDef, opDefaults, outputTypes } from '../ops/op-registry.js';
import { ControlFlowState } from './control-flow-state.js';
import { postProcessing, zerosLike, zerosLikeForExit, zerosLikeInLoop } from './control-flow-zeros.js';
import { Emitter } from './emitter.js';
import { addWhileContext, readyLoopExits, unusedLoopExits } from './grad-loop.js';
import { canonical, output } from './node-io.js';
import { gradientFunction } from './registry.js';

export interface GradientsOptions {
  /** Initial gradients for ys (default: ones shaped like each y). Null entries take the default. */
  gradYs?: readonly (string | null)[];
  /** Tensors to treat as constants: no gradient flows through their ops. */
  stopGradients?: readonly string[];
  /** Scope name (default `gradients`, made unique). */
  name?: string;
  /** Put each gradient op on its forward op's device (colocate_gradients_with_ops). Default false. */
  colocateGradientsWithOps?: boolean;
  /** Gate every op's input gradients with a tuple (the optimizers' GATE_OP). Default false. */
  gateGradients?: boolean;
}

/** backprop_util.IsTrainable: float, complex, resource and variant tensors carry gradients. */
const TRAINABLE: ReadonlySet<number> = new Set<number>([
  DataType.DT_HALF,
  DataType.DT_FLOAT,
  DataType.DT_DOUBLE,
  DataType.DT_COMPLEX64,
  DataType.DT_COMPLEX128,
  DataType.DT_RESOURCE,
  DataType.DT_VARIANT,
  DataType.DT_BFLOAT16,
]);

function dataInputs(n: NodeDef): string[] {
  return n.input.filter((i) => !i.startsWith('^'));
}

function trainableOutput(n: NodeDef, k: number): boolean {
  const d = outputTypes(n)?.[k];
  return d !== undefined && TRAINABLE.has(baseDType(d));
}

/**
 * Adds the ops computing d(sum of ys)/d(x) for every x and returns the gradient tensors' names (null where x does
 * not reach any y). xs may be variable handles (`v:0`), ref variables (`v:0`) or any tensor.
 */
export function gradients(
  graph: Graph,
  ys: readonly string[],
  xs: readonly string[],
  options: GradientsOptions = {},
): (string | null)[] {
  if (innermost(graph))
    throw new GraphError('UNSUPPORTED_OP', 'gradients() inside a while loop or cond being built is not supported');
  const em = new Emitter(graph);
  // recorded while loops and conds: their gradients are built in the contexts TensorFlow would use
  const flow = hasContexts(graph) ? new ControlFlowState(em) : undefined;
  em.flow = flow;
  if (!flow) return build(em, ys, xs, options);
  return graph.withCreateHook(flow.hook, () => build(em, ys, xs, options));
}

function build(
  em: Emitter,
  ys: readonly string[],
  xs: readonly string[],
  options: GradientsOptions,
): (string | null)[] {
  const graph = em.graph;
  const flow = em.flow;
  ys = ys.map(canonical);
  xs = xs.map(canonical);
  for (const t of [...ys, ...xs, ...(options.stopGradients ?? [])]) graph.requireNode(t);
  if (options.gradYs?.length && options.gradYs.length !== ys.length)
    throw new GraphError('INVALID_ARGUMENT', `${options.gradYs.length} gradYs given for ${ys.length} ys`);
  const colocate = options.colocateGradientsWithOps ?? false;
  const maybeColocate = <T>(op: NodeDef, fn: () => T): T => (colocate ? em.colocate(op.name, fn) : fn());

  return em.scope(options.name ?? 'gradients', () => {
    // Graph.unique_name("uid"): marks the name used, as TensorFlow does
    graph.uniqueName('uid');
    const gradYs = ys.map((y, i) => {
      const given = options.gradYs?.[i];
      return maybeColocate(em.node(y), () => {
        // a given gradient passes through an Identity `grad_ys_<i>`
        if (given !== undefined && given !== null) return em.identity(canonical(given), `grad_ys_${i}`);
        // array_ops.ones(shape(y), name="grad_ys_i"): Fill(shape, Const 1)
        return em.fill(em.shapeOf(y), 1, em.dtype(y), `grad_ys_${i}`);
      });
    });

    // consumers (data edges) of every node, in graph order
    const consumers = new Map<string, NodeDef[]>();
    for (const n of graph.nodes)
      for (const i of dataInputs(n)) {
        const src = parseInput(i).node;
        const list = consumers.get(src);
        if (list) list.push(n);
        else consumers.set(src, [n]);
      }

    const toOps = ys.map((y) => em.node(y));
    const fromOps = xs.map((x) => em.node(x));
    const stopGradientOps = (options.stopGradients ?? []).map((t) => em.node(t));

    // _MarkReachedOps: forward from xs through trainable outputs
    const reached = new Set<NodeDef>();
    // queues are arrays read through a moving head (shift() would make big graphs quadratic)
    const fwd = [...fromOps];
    for (let head = 0; head < fwd.length; head++) {
      const op = fwd[head]!;
      if (reached.has(op)) continue;
      reached.add(op);
      for (const c of consumers.get(op.name) ?? []) {
        const fromThis = dataInputs(c).some((i) => {
          const r = parseInput(i);
          return r.node === op.name && trainableOutput(op, r.index);
        });
        if (fromThis) fwd.push(c);
      }
    }
    const reachableToOps = new Set(toOps.filter((o) => reached.has(o)));
    // _PendingCount: back from ys through reached ops
    const between = new Set<NodeDef>();
    const betweenList: NodeDef[] = [];
    const back = [...toOps];
    for (let head = 0; head < back.length; head++) {
      const op = back[head]!;
      if (!reached.has(op)) continue;
      between.add(op);
      betweenList.push(op);
      reached.delete(op);
      for (const i of dataInputs(op)) back.push(em.node(i));
    }
    // MaybeCreateControlFlowState: a gradient loop per forward loop left by a between op (its exits join them)
    if (flow)
      for (let k = 0; k < betweenList.length; k++)
        if (isLoopExit(betweenList[k]!)) addWhileContext(flow, betweenList[k]!, between, betweenList);
    // loop_state: set when a loop is between xs and ys
    const loops = flow?.states.size ? flow : undefined;
    const pending = new Map<NodeDef, number>();
    for (const op of betweenList)
      for (const i of dataInputs(op)) {
        const src = em.node(i);
        if (between.has(src)) pending.set(src, (pending.get(src) ?? 0) + 1);
      }

    // grads[op][k]: the gradients received for output k
    const grads = new Map<NodeDef, (string | null)[][]>();
    // loop Switches visited once: each output holds one gradient, replaced (not summed) by a later one
    const settled = new Set<NodeDef>();
    const setGrad = (t: string, g: string) => {
      const r = parseInput(t);
      const op = em.node(t);
      let og = grads.get(op);
      if (!og) {
        og = Array.from({ length: outputTypes(op)?.length ?? r.index + 1 }, () => []);
        grads.set(op, og);
      }
      const list = og[r.index];
      if (settled.has(op)) og[r.index] = [g];
      else if (list) list.push(g);
      else og[r.index] = [g];
    };
    const hasGrads = (op: NodeDef) => (grads.get(op) ?? []).some((l) => l.some((g) => g !== null));
    ys.forEach((y, i) => {
      em.setShape(gradYs[i]!, em.shape(y));
      setGrad(y, gradYs[i]!);
    });

    const queue: NodeDef[] = [];
    const toOpsSet = new Set<NodeDef>();
    for (const op of toOps) {
      if ((pending.get(op) ?? 0) === 0 && !toOpsSet.has(op) && reachableToOps.has(op)) {
        toOpsSet.add(op);
        queue.push(op);
      }
    }

    if (loops)
      for (const y of unusedLoopExits(loops, pending, toOpsSet)) {
        if (trainableOutput(em.node(y), parseInput(y).index)) setGrad(y, zerosLikeForExit(loops, y));
        queue.push(em.node(y));
      }

    // _StopOps: xs' ops that nothing between feeds, and the stop_gradients' ops
    const stopOps = new Set<NodeDef>();
    for (const op of fromOps) if (dataInputs(op).every((i) => (pending.get(em.node(i)) ?? 0) === 0)) stopOps.add(op);
    for (const op of stopGradientOps) stopOps.add(op);

    for (let head = 0; head < queue.length; head++) {
      const op = queue[head]!;
      maybeColocate(op, () => {
        loops?.enterGradContext(op, true);
        const outGrads = settled.has(op) ? grads.get(op)!.map((l) => l[0] ?? null) : aggregate(em, grads, op);
        loops?.exitGradContext(op, true);
        const hasOutGrads = outGrads.some((g) => g !== null);
        let fn = null;
        if (hasOutGrads && !stopOps.has(op)) {
          fn = gradientFunction(op.op);
          if (fn === undefined)
            throw new GraphError(
              'UNSUPPORTED_OP',
              `no gradient defined for operation '${op.name}' (op type: ${op.op}); put a StopGradient before it if it should be a constant`,
              { node: op.name },
            );
        }
        const inputs = dataInputs(op);
        let inGrads: (string | null)[];
        loops?.enterGradContext(op, false);
        if (fn && hasOutGrads) {
          // a missing gradient for a trainable output is zero
          outGrads.forEach((g, k) => {
            if (g === null && trainableOutput(op, k) && outputTypes(op)?.[k] !== DataType.DT_RESOURCE)
              outGrads[k] = loops
                ? zerosLikeInLoop(loops, op, k)
                : flow
                  ? zerosLike(flow, op, k)
                  : em.zerosLike(`${op.name}:${k}`);
          });
          // a loop Switch keeps what it got for its next visit
          if (loops && isLoopSwitch(graph, op)) {
            settled.add(op);
            grads.set(
              op,
              outGrads.map((g) => (g === null ? [] : [g])),
            );
          }
          checkArity(op);
          inGrads = em.scope(`${op.name}_grad`, () => {
            let g: (string | null)[];
            try {
              g = fn(em, op, outGrads);
            } catch (e) {
              if (e instanceof GraphError) throw e;
              // a malformed node the checks above missed: report it, never crash
              throw new GraphError('INVALID_ARGUMENT', `cannot build the gradient of ${op.op}: ${String(e)}`, {
                node: op.name,
                cause: e,
              });
            }
            if (g.length !== inputs.length)
              throw new GraphError(
                'INVALID_ARGUMENT',
                `gradient function of ${op.op} returned ${g.length} gradients for ${inputs.length} inputs`,
                { node: op.name },
              );
            if (options.gateGradients && g.filter((x) => x !== null).length > 1)
              g = em.graph.withDevice('', () => em.tuple(g));
            return g;
          });
        } else {
          inGrads = inputs.map(() => null);
        }
        inputs.forEach((t, i) => {
          const g = inGrads[i];
          if (g === null || g === undefined) return;
          // in_grad.set_shape(t_in.get_shape())
          if (em.dtype(t) !== DataType.DT_RESOURCE) em.setShape(g, em.shape(t));
          setGrad(t, g);
        });
        loops?.exitGradContext(op, false);
      });
      // _UpdatePendingAndEnqueueReady
      for (const i of dataInputs(op)) {
        const src = em.node(i);
        const left = (pending.get(src) ?? 0) - 1;
        pending.set(src, left);
        // a loop Switch is visited once per gradient arriving (from the Exit, then from the body)
        const ready = left === 0 || (loops !== undefined && left > 0 && isLoopSwitch(graph, src));
        if (!ready) continue;
        const gs = loops && isLoopExit(src) ? loops.gradStateFor(src, false) : undefined;
        if (!gs) {
          queue.push(src);
          continue;
        }
        // a loop's exits are processed together, once all are in: zeros for the unused ones when any has a gradient
        const exits = readyLoopExits(gs, output(src), (y) => hasGrads(em.node(y)));
        for (const y of exits?.unused ?? []) {
          if (exits!.zeros && trainableOutput(em.node(y), parseInput(y).index)) setGrad(y, zerosLikeForExit(loops!, y));
        }
        for (const y of exits?.queue ?? []) queue.push(em.node(y));
      }
    }
    if (loops) postProcessing(loops);

    return xs.map((x) => {
      const r = parseInput(x);
      const list = grads.get(em.node(x))?.[r.index];
      // every x's op was processed, so its gradients are aggregated by now (or it had none)
      return list?.[0] ?? null;
    });
  });
}

/** The node has as many data inputs as its OpDef asks for (gradient functions index them). */
function checkArity(op: NodeDef): void {
  const def = getOpDef(op.op);
  if (!def) return;
  const defaults = opDefaults(op.op);
  let want = 0;
  for (const arg of def.input_arg ?? []) {
    if (arg.number_attr) want += read.i(op, arg.number_attr, defaults);
    else if (arg.type_list_attr) want += read.list(op, arg.type_list_attr, defaults).type?.length ?? 0;
    else want += 1;
  }
  const got = dataInputs(op).length;
  if (got !== want)
    throw new GraphError('MISSING_INPUT', `${op.op} has ${got} inputs, its OpDef asks for ${want}`, { node: op.name });
}

/**
 * _AggregatedGrads: one gradient per output; several are summed by an AddN in the `gradients/` scope, colocated with
 * the first (_MultiDeviceAddN). The sum replaces the list, as TensorFlow's in-place update does.
 */
function aggregate(em: Emitter, grads: Map<NodeDef, (string | null)[][]>, op: NodeDef): (string | null)[] {
  const got = grads.get(op);
  const n = outputTypes(op)?.length ?? got?.length ?? 0;
  const result: (string | null)[] = [];
  for (let k = 0; k < n; k++) {
    const list = (got?.[k] ?? []).filter((g): g is string => g !== null);
    if (list.length === 0) result.push(null);
    else if (list.length === 1) result.push(list[0]!);
    else {
      const first = list[0]!;
      const sum = em.colocate(first, () => em.t('AddN', list));
      got![k] = [sum];
      result.push(sum);
    }
  }
  return result;
}
