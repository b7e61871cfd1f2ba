// Function calls: If / StatelessIf (a branch chosen by the condition) and PartitionedCall / StatefulPartitionedCall
// (TF2's tf.function calls in graphs), each running a FunctionDef from the graph's library in a child session.
import { GraphError } from '../../errors.js';
import type { NodeDef } from '../../graph.js';
import type { KernelFactory } from '../values.js';
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

export const functionalKernels: Record<string, KernelFactory> = {
  If: ifKernel,
  StatelessIf: ifKernel,
  PartitionedCall: callKernel,
  StatefulPartitionedCall: callKernel,
};
