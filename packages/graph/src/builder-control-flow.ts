// tf.compat.v1.while_loop and tf.compat.v1.cond as TensorFlow builds them with control flow v1 (WhileContext /
// CondContext in control_flow_ops.py): the same nodes, names, inputs and attrs.
//
// while_loop, under the unique scope `while`: Enter per loop variable (frame `<scope>while_context`), Merge [Enter,
// NextIteration], the condition (constants get a control input on the first Merge), LoopCond, Switch per variable
// (colocated with its Merge), Identity of each Switch's true output, the body (constants, and ops fed only by loop
// invariants, get a control input on the first Identity), NextIteration per result, Exit per Switch's false output. A tensor from outside used inside gets
// one loop-invariant Enter (`is_constant`), made right after the first op that uses it and named under that op.
//
// cond, under the unique scope `cond`: Switch(pred, pred), switch_t / switch_f / pred_id Identities, the true branch
// then the false one (an outside tensor gets a Switch on pred_id under the op using it, colocated with the tensor;
// constants a control input on switch_t / switch_f), then one Merge [false, true] per result.
//
// Nested contexts (a loop or cond built inside another) are refused: their capture rules are not mirrored here.
import { DataType } from '@tensorgraft/proto';
import { attr } from './attrs.js';
import { type ControlFlowContext, newCondContext, newWhileContext, setContext } from './control-flow-context.js';
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

const building = new WeakSet<Graph>();

function dtypeOf(g: Graph, tensor: string): number {
  const ref = parseInput(tensor);
  const d = outputTypes(g.requireNode(ref.node))?.[ref.index];
  if (d === undefined)
    throw new GraphError('INVALID_ARGUMENT', `cannot tell the dtype of '${tensor}'`, { node: ref.node });
  return d > 100 ? d - 100 : d;
}

const out = (n: NodeDef, k = 0) => `${n.name}:${k}`;

/**
 * A control-flow context's view of the ops made while it is active: outside data inputs are replaced by what
 * `capture` makes for them (once per tensor), ops with no inputs (in a loop also ops fed only by loop invariants) get a
 * control input on the pivot.
 */
class Context {
  readonly inside = new Set<string>();
  readonly captured = new Map<string, string>();
  private own = 0;
  pivot = '';

  constructor(
    private readonly g: Graph,
    private readonly capture: (tensor: string, user: NodeDef) => string,
    /** A loop's: an op fed only by loop invariants gets a control input on the pivot (_MaybeAddControlDependency). */
    private readonly invariantsNeedPivot = false,
  ) {}

  /** Makes the context's own nodes: inside, never rewritten. */
  make<T>(fn: () => T): T {
    this.own++;
    try {
      return fn();
    } finally {
      this.own--;
    }
  }

  readonly hook = (node: NodeDef): void => {
    this.inside.add(node.name);
    if (this.own > 0) return;
    let data = 0;
    node.input = node.input.map((input) => {
      if (input.startsWith('^')) return input;
      data++;
      const ref = parseInput(input);
      if (this.inside.has(ref.node)) return input;
      const key = `${ref.node}:${ref.index}`;
      let local = this.captured.get(key);
      if (!local) {
        local = this.make(() => this.capture(key, node));
        this.captured.set(key, local);
      }
      return local;
    });
    if (data === 0 && !node.input.length && this.pivot) node.input = [`^${this.pivot}`];
    else if (this.invariantsNeedPivot && data > 0 && this.pivot && node.input.every((i) => this.isInvariant(i)))
      node.input.push(`^${this.pivot}`);
  };

  /** A data input that is a loop-invariant Enter (a control input is not). */
  private isInvariant(input: string): boolean {
    if (input.startsWith('^')) return false;
    const n = this.g.node(parseInput(input).node);
    return n?.op === 'Enter' && n.attr.is_constant?.b === true;
  }

  /** A result of the context's function: its own tensor, or an outside one captured as an input would be. */
  result(tensor: string, user: () => NodeDef): string {
    const ref = parseInput(tensor);
    if (this.inside.has(ref.node)) return tensor;
    return this.make(() => this.capture(`${ref.node}:${ref.index}`, user()));
  }

  run<T>(fn: () => T): T {
    return this.g.withCreateHook(this.hook, fn);
  }

  /** Records `ctx` as the context of every op made inside (for gradients()). */
  record(ctx: ControlFlowContext): void {
    for (const name of this.inside) setContext(this.g, name, ctx);
    for (const [outside, local] of this.captured) ctx.external.set(outside, local);
  }
}

function guard<T>(g: Graph, what: string, fn: () => T): T {
  if (building.has(g)) {
    throw new GraphError(
      'UNSUPPORTED_OP',
      `a ${what} inside another while loop or cond is not supported by the builder`,
    );
  }
  building.add(g);
  try {
    return fn();
  } finally {
    building.delete(g);
  }
}

/** tf.compat.v1.while_loop (control flow v1): the Exit tensors, one per loop variable. */
export function whileLoop(
  g: Graph,
  cond: (...vars: string[]) => string,
  body: (...vars: string[]) => readonly string[],
  loopVars: readonly string[],
  options: WhileLoopOptions = {},
): string[] {
  return guard(g, 'while loop', () =>
    g.withNameScope(options.name ?? 'while', (scope) => {
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
      const ctx = new Context(
        g,
        (tensor, user) => g.withNameScope(`${user.name}/`, () => out(enter(tensor, true))),
        true,
      );
      return ctx.run(() => {
        const T = loopVars.map((v) => attr.type(dtypeOf(g, v)));
        const merges = ctx.make(() => {
          const enters = loopVars.map((v) => out(enter(v, false)));
          return enters.map((e, k) => g.createOp('Merge', [e, e], { T: T[k]!, N: attr.i(2) }, 'Merge'));
        });
        ctx.pivot = merges[0]!.name;
        const c = cond(...merges.map((m) => out(m)));
        const loopCond = ctx.make(() => g.createOp('LoopCond', [ctx.result(c, () => merges[0]!)], {}, 'LoopCond'));
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
        const w = newWhileContext(`${scope}while_context`, options.parallelIterations ?? 10, null);
        w.pivot = loopCond.name;
        w.pivotForPred = merges[0]!.name;
        w.pivotForBody = identities[0]!.name;
        w.loopEnters.push(...merges.map((m) => m.input[0]!));
        w.loopExits.push(...exits);
        ctx.record(w);
        return exits;
      });
    }),
  );
}

/** tf.compat.v1.cond (control flow v1): one Merge output per branch result. */
export function cond(
  g: Graph,
  pred: string,
  trueFn: () => readonly string[],
  falseFn: () => readonly string[],
  name?: string,
): string[] {
  return guard(g, 'cond', () =>
    g.withNameScope(name ?? 'cond', () => {
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
        const ctx = new Context(g, (tensor, user) => switchOf(tensor, `${user.name}/`));
        ctx.pivot = pivot.name;
        const results = ctx.run(() =>
          // an outside tensor returned as it is goes through a Switch made in the cond's own scope
          fn().map((r) => (ctx.inside.has(parseInput(r).node) ? r : ctx.make(() => switchOf(r, `${g.nameScope}/`)))),
        );
        ctx.record(newCondContext(out(predId), pivot.name, side, null));
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
    }),
  );
}
