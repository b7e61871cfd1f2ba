// Function calls: If / StatelessIf (a branch chosen by the condition) and PartitionedCall / StatefulPartitionedCall
// (TF2's tf.function calls in graphs), each running a FunctionDef from the graph's library in a child session.
import { GraphError } from '../../errors.js';
import type { NodeDef } from '../../graph.js';
import { isTensor, type KernelFactory, type Value } from '../values.js';
import { T } from './common.js';

function funcName(n: NodeDef, attr: string): string {
  const name = n.attr[attr]?.func?.name;
  if (!name) throw new GraphError('BAD_ATTR', `${n.op} needs a function in attr '${attr}'`, { node: n.name });
  return name;
}

const ifKernel: KernelFactory = (n, ctx) => {
  const thenFn = ctx.callFunction(funcName(n, 'then_branch'), n.name);
  const elseFn = ctx.callFunction(funcName(n, 'else_branch'), n.name);
  return (i, s) => {
    const c = T(i, 0, s, n);
    // a scalar is converted to bool; any other tensor is true when it is not empty
    const truth = c.rank === 0 ? Boolean(c.dataSync()[0]) : c.size > 0;
    return (truth ? thenFn : elseFn)(i.slice(1));
  };
};

const callKernel: KernelFactory = (n, ctx) => {
  const fn = ctx.callFunction(funcName(n, 'f'), n.name);
  return (i) => fn(i);
};

const whileKernel: KernelFactory = (n, ctx) => {
  const condFn = ctx.callFunction(funcName(n, 'cond'), n.name);
  const bodyFn = ctx.callFunction(funcName(n, 'body'), n.name);
  return (i) => {
    let vals: Value[] = i;
    let ours = false;
    // each iteration's values are released once the next ones exist, so memory stays at one iteration's worth
    const release = (old: Value[], keep: Value[]) => {
      if (!ours) return;
      for (const v of old) if (isTensor(v) && !keep.includes(v)) v.dispose();
    };
    for (;;) {
      const [c] = condFn(vals);
      if (c === undefined || !isTensor(c))
        throw new GraphError('KERNEL', 'the loop condition gave no tensor', { node: n.name });
      const truth = c.rank === 0 ? Boolean(c.dataSync()[0]) : c.size > 0;
      c.dispose();
      if (!truth) return vals;
      const next = bodyFn(vals);
      release(vals, next);
      vals = next;
      ours = true;
    }
  };
};

export const functionalKernels: Record<string, KernelFactory> = {
  While: whileKernel,
  StatelessWhile: whileKernel,
  If: ifKernel,
  StatelessIf: ifKernel,
  PartitionedCall: callKernel,
  StatefulPartitionedCall: callKernel,
};
