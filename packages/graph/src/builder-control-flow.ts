// tf.compat.v1.while_loop and tf.compat.v1.cond as TensorFlow builds them with control flow v1 (WhileContext /
// CondContext in control_flow_ops.py): the same nodes, names, inputs and attrs.
//
// while_loop, under the unique scope `while`: Enter per loop variable (frame `<scope>while_context`), Merge [Enter,
// NextIteration], the condition (constants get a control input on the first Merge), LoopCond, Switch per variable
// (colocated with its Merge), Identity of each Switch's true output, the body (constants, and ops fed only by loop
// invariants, get a control input on the first Identity), NextIteration per result, Exit per Switch's false output.
// A tensor from outside used inside gets one loop-invariant Enter (`is_constant`), made right after the first op that
// uses it and named under that op. A loop or a cond may be built inside a loop's body: an outside tensor is then
// entered into the loop first (`Enter`), then into the inner loop (`Enter_1`) or the cond (`Switch`).
//
// cond, under the unique scope `cond`: Switch(pred, pred), switch_t / switch_f / pred_id Identities, the true branch
// then the false one (an outside tensor gets a Switch on pred_id under the op using it, colocated with the tensor;
// constants a control input on switch_t / switch_f), then one Merge [false, true] per result.
//
// A cond inside a cond, and a loop inside a cond, are refused: their capture rules are not mirrored here.
import { DataType } from '@tensorgraft/proto';
import { attr } from './attrs.js';
import { Context, innermost } from './builder-context.js';
import { newCondContext, newWhileContext } from './control-flow-context.js';
import { GraphError } from './errors.js';
import type { Graph, NodeDef } from './graph.js';
import { parseInput } from './names.js';
import { outputTypes } from './ops/op-registry.js';

export interface WhileLoopOptions {
  /** The scope (default `while`, made unique). */
  name?: string;
  /** TensorFlow's default is 10. */
  parallelIterations?: number;
}

function dtypeOf(g: Graph, tensor: string): number {
  const ref = parseInput(tensor);
  const d = outputTypes(g.requireNode(ref.node))?.[ref.index];
  if (d === undefined)
    throw new GraphError('INVALID_ARGUMENT', `cannot tell the dtype of '${tensor}'`, { node: ref.node });
  return d > 100 ? d - 100 : d;
}

const out = (n: NodeDef, k = 0) => `${n.name}:${k}`;

/** tf.compat.v1.while_loop (control flow v1): the Exit tensors, one per loop variable. */
export function whileLoop(
  g: Graph,
  cond: (...vars: string[]) => string,
  body: (...vars: string[]) => readonly string[],
  loopVars: readonly string[],
  options: WhileLoopOptions = {},
): string[] {
  const outer = innermost(g);
  if (outer && outer.kind !== 'while') throw refused('while loop inside a cond');
  return g.withNameScope(options.name ?? 'while', (scope) => {
    const frame = attr.s(`${scope}while_context`);
    const parallel = attr.i(options.parallelIterations ?? 10);
    const enter = (tensor: string, constant: boolean, name = 'Enter') =>
      g.createOp(
        'Enter',
        [tensor],
        {
          T: attr.type(dtypeOf(g, tensor)),
          frame_name: frame,
          is_constant: attr.b(constant),
          parallel_iterations: parallel,
        },
        name,
      );
    const w = newWhileContext(`${scope}while_context`, options.parallelIterations ?? 10, outer?.record ?? null);
    const capture = (tensor: string, at: string) => g.withNameScope(at, () => out(enter(tensor, true)));
    const ctx = new Context(g, 'while', capture, outer, w);
    return ctx.run(() => {
      const T = loopVars.map((v) => attr.type(dtypeOf(g, v)));
      const merges = ctx.make(() => {
        // in a loop inside a loop, an initial value from outside both is entered into the outer loop first
        const real = loopVars.map((v) => (outer ? outer.valueFor(v, scope) : v));
        const enters = real.map((v) => {
          const e = enter(v, false);
          if (outer?.isInvariant(v)) e.input.push(`^${outer.pivot}`);
          return out(e);
        });
        return enters.map((e, k) => g.createOp('Merge', [e, e], { T: T[k]!, N: attr.i(2) }, 'Merge'));
      });
      ctx.pivot = merges[0]!.name;
      const c = cond(...merges.map((m) => out(m)));
      const loopCond = ctx.make(() => g.createOp('LoopCond', [ctx.valueFor(c, `${merges[0]!.name}/`)], {}, 'LoopCond'));
      const switches = ctx.make(() =>
        merges.map((m, k) =>
          g.withColocation(m.name, () => g.createOp('Switch', [out(m), out(loopCond)], { T: T[k]! }, 'Switch')),
        ),
      );
      const identities = ctx.make(() =>
        switches.map((s, k) => g.createOp('Identity', [out(s, 1)], { T: T[k]! }, 'Identity')),
      );
      ctx.pivot = identities[0]!.name;
      const results = body(...identities.map((n) => out(n)));
      if (results.length !== loopVars.length) {
        throw new GraphError(
          'INVALID_ARGUMENT',
          `the loop body returned ${results.length} tensors for ${loopVars.length} loop variables`,
        );
      }
      results.forEach((r, k) => {
        const next = g.createOp('NextIteration', [r], { T: T[k]! }, 'NextIteration');
        merges[k]!.input[1] = out(next);
      });
      const exits = ctx.make(() => switches.map((s, k) => out(g.createOp('Exit', [out(s)], { T: T[k]! }, 'Exit'))));
      w.pivot = loopCond.name;
      w.pivotForPred = merges[0]!.name;
      w.pivotForBody = identities[0]!.name;
      w.loopEnters.push(...merges.map((m) => m.input[0]!));
      w.loopExits.push(...exits);
      ctx.finish();
      // ExitResult: the outer loop knows the exits
      for (const e of exits) {
        outer?.known.add(parseInput(e).node);
        w.outer?.values.add(e);
      }
      return exits;
    });
  });
}

/** tf.compat.v1.cond (control flow v1): one Merge output per branch result. */
export function cond(
  g: Graph,
  pred: string,
  trueFn: () => readonly string[],
  falseFn: () => readonly string[],
  name?: string,
): string[] {
  const outer = innermost(g);
  if (outer && outer.kind !== 'while') throw refused('cond inside a cond');
  return g.withNameScope(name ?? 'cond', () => {
    const B = { T: attr.type(DataType.DT_BOOL) };
    const sw = g.createOp('Switch', [pred, pred], B, 'Switch');
    const t = g.createOp('Identity', [out(sw, 1)], B, 'switch_t');
    const f = g.createOp('Identity', [out(sw)], B, 'switch_f');
    const predId = g.createOp('Identity', [pred], B, 'pred_id');
    const branch = (fn: () => readonly string[], side: 0 | 1, pivot: NodeDef) => {
      const switchOf = (tensor: string, scope: string) =>
        g.withNameScope(scope, () =>
          g.withColocation(parseInput(tensor).node, () =>
            out(g.createOp('Switch', [tensor, out(predId)], { T: attr.type(dtypeOf(g, tensor)) }, 'Switch'), side),
          ),
        );
      const record = newCondContext(out(predId), pivot.name, side, outer?.record ?? null);
      const ctx = new Context(g, 'cond', switchOf, outer, record);
      ctx.pivot = pivot.name;
      const results = ctx.run(() =>
        // an outside tensor returned as it is goes through a Switch made in the cond's own scope
        fn().map((r) => {
          if (ctx.inside.has(parseInput(r).node)) return r;
          const scope = `${g.nameScope}/`;
          const outside = outer ? outer.valueFor(r, scope) : r;
          return ctx.make(() => switchOf(outside, scope));
        }),
      );
      ctx.finish();
      return results;
    };
    const rt = branch(trueFn, 1, t);
    const rf = branch(falseFn, 0, f);
    if (rt.length !== rf.length) {
      throw new GraphError('INVALID_ARGUMENT', `cond branches return ${rt.length} and ${rf.length} tensors`);
    }
    return rf.map((r, k) =>
      out(g.createOp('Merge', [r, rt[k]!], { T: attr.type(dtypeOf(g, r)), N: attr.i(2) }, 'Merge')),
    );
  });
}

function refused(what: string): GraphError {
  return new GraphError('UNSUPPORTED_OP', `a ${what} is not supported by the builder`);
}
