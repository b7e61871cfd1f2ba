// The builder's control-flow contexts while a loop or cond is being built (TensorFlow's ControlFlowContext.AddOp /
// AddValue): the ops made are the innermost context's; an outside data input is replaced by what `capture` makes for
// it (once per tensor; in a context inside a loop, the loop captures it first); ops with no inputs (in a loop also ops
// fed only by loop invariants) get a control input on the pivot.
import type { ControlFlowContext } from './control-flow-context.js';
import { setContext } from './control-flow-context.js';
import type { Graph, NodeDef } from './graph.js';
import { parseInput } from './names.js';

interface Building {
  /** The contexts being built, innermost last. */
  readonly stack: Context[];
  /** The context making its own nodes (Enter, Merge, captures...): they are its, and never rewritten. */
  making: Context | null;
}

const building = new WeakMap<Graph, Building>();

function stateOf(g: Graph): Building {
  let s = building.get(g);
  if (!s) {
    s = { stack: [], making: null };
    building.set(g, s);
  }
  return s;
}

/** The innermost context being built in `g`, if any. */
export function innermost(g: Graph): Context | null {
  const s = building.get(g);
  return s?.stack[s.stack.length - 1] ?? null;
}

export class Context {
  readonly inside = new Set<string>();
  /** Ops of inner loops whose outputs are known here (their Exits: ExitResult). */
  readonly known = new Set<string>();
  readonly captured = new Map<string, string>();
  pivot = '';

  constructor(
    private readonly g: Graph,
    readonly kind: 'while' | 'cond',
    /** Makes the local stand-in for an outside tensor (an Enter, a Switch), named under `scope`. */
    private readonly capture: (tensor: string, scope: string) => string,
    readonly outer: Context | null,
    /** What gradients() will see of this context. */
    readonly record: ControlFlowContext,
  ) {}

  make<T>(fn: () => T): T {
    const s = stateOf(this.g);
    const old = s.making;
    s.making = this;
    try {
      return fn();
    } finally {
      s.making = old;
    }
  }

  private readonly hook = (node: NodeDef): void => {
    const s = stateOf(this.g);
    if ((s.making ?? innermost(this.g)) !== this) return;
    this.inside.add(node.name);
    // a cond's values are known to every context around it (CondContext._AddOpInternal)
    if (this.kind === 'cond') for (let o = this.outer; o; o = o.outer) o.known.add(node.name);
    if (s.making) return;
    let data = 0;
    node.input = node.input.map((input) => {
      if (input.startsWith('^')) return input;
      data++;
      return this.valueFor(input, `${node.name}/`);
    });
    if (data === 0 && !node.input.length && this.pivot) node.input = [`^${this.pivot}`];
    // _MaybeAddControlDependency (loops only): an op fed only by loop invariants runs once per iteration
    else if (this.kind === 'while' && data > 0 && this.pivot && node.input.every((i) => this.isInvariant(i)))
      node.input.push(`^${this.pivot}`);
  };

  /** A data input that is a loop-invariant Enter (a control input is not). */
  isInvariant(input: string): boolean {
    if (input.startsWith('^')) return false;
    const n = this.g.node(parseInput(input).node);
    return n?.op === 'Enter' && n.attr.is_constant?.b === true;
  }

  /** AddValue: `tensor` itself if made here, else its stand-in (made once, through the outer context first). */
  valueFor(tensor: string, scope: string): string {
    const ref = parseInput(tensor);
    if (this.inside.has(ref.node) || this.known.has(ref.node)) return tensor;
    const key = `${ref.node}:${ref.index}`;
    let local = this.captured.get(key);
    if (!local) {
      const outside = this.outer ? this.outer.valueFor(key, scope) : key;
      local = this.make(() => this.capture(outside, scope));
      this.captured.set(key, local);
    }
    return local;
  }

  run<T>(fn: () => T): T {
    const s = stateOf(this.g);
    s.stack.push(this);
    try {
      return this.g.withCreateHook(this.hook, fn);
    } finally {
      s.stack.pop();
    }
  }

  /** Records this context as the context of every op made inside (for gradients()). */
  finish(): void {
    for (const name of this.inside) setContext(this.g, name, this.record);
    for (const [outside, local] of this.captured) this.record.external.set(outside, local);
  }
}
