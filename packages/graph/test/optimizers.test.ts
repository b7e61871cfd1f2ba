import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  AdagradOptimizer,
  AdamOptimizer,
  GradientDescentOptimizer,
  Graph,
  GraphBuilder,
  GraphError,
  getOrCreateGlobalStep,
  graphFromMetaGraph,
  MomentumOptimizer,
  type Optimizer,
  parseMetaGraph,
  RMSPropOptimizer,
} from '@tensorgraft/graph';
import { describe, expect, it } from 'vitest';
import { attrTexts } from './gradients-helpers.js';
import { REPO } from './helpers.js';

const DIR = join(REPO, 'fixtures', 'gradients');

interface MinimizeCase {
  loss: string;
  train_op: string;
  nodes: [string, string, string[], string[]][];
  attrs: Record<string, string>[];
  train_op_collection: string[];
  variables: string[];
}

const make: Record<string, (g: Graph) => Optimizer> = {
  gradientdescent: (g) => new GradientDescentOptimizer(g, { learningRate: 0.1 }),
  momentum: (g) => new MomentumOptimizer(g, { learningRate: 0.1, momentum: 0.9 }),
  adam: (g) => new AdamOptimizer(g, { learningRate: 0.01 }),
  rmsprop: (g) => new RMSPropOptimizer(g, { learningRate: 0.01, momentum: 0.5 }),
  rmspropcentered: (g) => new RMSPropOptimizer(g, { learningRate: 0.01, centered: true }),
  adagrad: (g) => new AdagradOptimizer(g, { learningRate: 0.1 }),
};

const dec = new TextDecoder();

/** A minimize fixture: what TensorFlow recorded and the forward graph it exported. */
function load(name: string): { fx: MinimizeCase; graph: Graph } {
  const fx = JSON.parse(readFileSync(join(DIR, `${name}.json`), 'utf8')) as MinimizeCase;
  const graph = graphFromMetaGraph(parseMetaGraph(new Uint8Array(readFileSync(join(DIR, `${name}.meta`)))));
  return { fx, graph };
}

/** The nodes added since `before`: [name, op, inputs, colocation], as the fixtures list them. */
function added(graph: Graph, before: number): [string, string, string[], string[]][] {
  return graph.nodes
    .slice(before)
    .map((n) => [n.name, n.op, n.input, (n.attr._class?.list?.s ?? []).map((b) => dec.decode(b))]);
}

describe("optimizers: minimize() adds TensorFlow's nodes to a TensorFlow-written graph", () => {
  for (const kind of Object.keys(make))
    for (const vars of ['ref', 'resource']) {
      const name = `minimize_${kind}_${vars}`;
      it(`${name}: names, op types, inputs and colocation equal TF's; train_op and variables collections`, () => {
        const { fx, graph } = load(name);
        const before = graph.nodes.length;
        const train = make[kind]!(graph).minimize(fx.loss, { globalStep: getOrCreateGlobalStep(graph) });
        expect(train).toBe(fx.train_op);
        expect(added(graph, before)).toEqual(fx.nodes);
        expect(graph.nodes.slice(before).map(attrTexts)).toEqual(fx.attrs);
        const collection = graph.getCollection('train_op').map((i) => (i.kind === 'node' ? i.name : ''));
        expect(collection).toEqual(fx.train_op_collection);
        const variables = graph
          .getCollection('variables')
          .map((i) => (i.kind === 'variable' ? i.def.variable_name : ''));
        expect(variables).toEqual(fx.variables);
      });
    }
});

describe('optimizers: gating, no global_step, a given name', () => {
  for (const [name, make2, options] of [
    [
      'minimize_gate_graph',
      (g: Graph) => new GradientDescentOptimizer(g, { learningRate: 0.1 }),
      { gateGradients: 2 as const },
    ],
    [
      'minimize_gate_none',
      (g: Graph) => new MomentumOptimizer(g, { learningRate: 0.1, momentum: 0.9 }),
      { gateGradients: 0 as const, name: 'train', globalStep: 'global_step' },
    ],
    [
      'minimize_ref_step',
      (g: Graph) => new GradientDescentOptimizer(g, { learningRate: 0.1 }),
      { globalStep: 'global_step' },
    ],
  ] as const) {
    it(`${name}: nodes and attrs equal TF's`, () => {
      const { fx, graph } = load(name);
      const before = graph.nodes.length;
      const train = make2(graph).minimize(fx.loss, options);
      expect(train).toBe(fx.train_op);
      expect(added(graph, before)).toEqual(fx.nodes);
      expect(graph.nodes.slice(before).map(attrTexts)).toEqual(fx.attrs);
    });
  }
});

describe('optimizers: errors and slots', () => {
  it('a variable with no path to the loss gets no update op; no gradient at all is an error', () => {
    const b = new GraphBuilder(new Graph());
    const x = b.placeholder('float32', [2, 3], 'x');
    const w = b.variable('w', [3, 1], { ones: true });
    const unused = b.variable('unused', [1], { zeros: true });
    const loss = b.reduceSum(b.matmul(x, w), [0, 1]);
    const opt = new GradientDescentOptimizer(b, { learningRate: 0.5 });
    opt.minimize(loss);
    expect(b.graph.hasNode('GradientDescent/update_w/ApplyGradientDescent')).toBe(true);
    expect(b.graph.nodes.some((n) => n.name.includes('update_unused'))).toBe(false);
    let err: unknown;
    try {
      opt.minimize(b.reduceSum(x, [0, 1]), { varList: [unused] });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(GraphError);
    expect((err as GraphError).message).toContain('no gradients provided for any variable');
  });

  it('Adam slots are variables in `variables`, saved and initialized like TF slots', () => {
    const b = new GraphBuilder(new Graph());
    const x = b.placeholder('float32', [2, 3], 'x');
    const w = b.variable('w', [3, 1], { ones: true }, { resource: true });
    const opt = new AdamOptimizer(b, { learningRate: 0.1 });
    opt.minimize(b.reduceSum(b.matmul(x, w), [0, 1]));
    expect(opt.getSlot(w, 'm')?.name).toBe('w/Adam');
    expect(opt.getSlot(w, 'v')?.name).toBe('w/Adam_1');
    expect(opt.betaPowers()?.map((p) => p.name)).toEqual(['beta1_power', 'beta2_power']);
    const names = b.graph.getCollection('variables').map((i) => (i.kind === 'variable' ? i.def.variable_name : ''));
    expect(names).toEqual(['w:0', 'beta1_power:0', 'beta2_power:0', 'w/Adam:0', 'w/Adam_1:0']);
    expect(b.graph.getCollection('trainable_variables')).toHaveLength(1);
  });
});

describe('optimizers: damaged graphs', () => {
  it('200 mutated TensorFlow-written graphs: minimize() succeeds or throws a GraphError, nothing else', () => {
    let seed = 777;
    const rand = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed % n;
    };
    const kinds = ['VariableV2', 'VarHandleOp', 'MatMul', 'Const', 'NoSuchOp', 'Identity'];
    const names = ['minimize_adam_ref', 'minimize_momentum_resource'];
    const bytes = names.map((n) => new Uint8Array(readFileSync(join(DIR, `${n}.meta`))));
    let errors = 0;
    for (let k = 0; k < 200; k++) {
      const graph = graphFromMetaGraph(parseMetaGraph(bytes[k % 2]!));
      const nodes = graph.nodes;
      for (let m = 0; m < 2; m++) {
        const n = nodes[rand(nodes.length)]!;
        const what = rand(3);
        if (what === 0) n.op = kinds[rand(kinds.length)]!;
        else if (what === 1) {
          const keys = Object.keys(n.attr);
          if (keys.length) delete n.attr[keys[rand(keys.length)]!];
        } else if (n.input.length) n.input[rand(n.input.length)] = nodes[rand(nodes.length)]!.name;
      }
      try {
        new AdamOptimizer(graph, { learningRate: 0.1 }).minimize('loss:0', {
          globalStep: getOrCreateGlobalStep(graph),
        });
      } catch (e) {
        expect(e).toBeInstanceOf(GraphError);
        errors++;
      }
    }
    expect(errors).toBeGreaterThan(0);
  });
});
